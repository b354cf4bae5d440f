package dev.servicekit.core;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" suggestions by edit distance, ignoring case; shared by the config checks of every module. */
public final class Suggestions {

    private Suggestions() {}

    /**
     * The candidate closest to {@code input}, if it is close enough to be a plausible typo: at most a third of the
     * input's length (and at least 2) edits away.
     */
    public static Optional<String> nearest(String input, Collection<String> candidates) {
        return nearest(input, candidates, 3);
    }

    /**
     * The candidate closest to {@code input} (as written in {@code candidates}), if at most {@code 1/lengthDivisor}
     * of the input's length (and at least 2) edits away: a larger divisor for long names that share most letters,
     * such as cipher suites.
     */
    public static Optional<String> nearest(String input, Collection<String> candidates, int lengthDivisor) {
        String needle = input.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(needle, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        int allowed = Math.max(2, needle.length() / lengthDivisor);
        return best != null && bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
