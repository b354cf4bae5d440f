package dev.servicekit.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader for the sample lines of the Prometheus / OpenMetrics text formats:
 * {@code name{label="value",…} value [timestamp]}, with the format's escapes in label values. Comment
 * lines ({@code # HELP}, {@code # TYPE}, {@code # EOF}) and blank lines are skipped; any other line that
 * does not parse fails the test, so a malformed scrape cannot pass unnoticed.
 */
record PrometheusSamples(List<Sample> samples) {

    record Sample(String name, Map<String, String> labels, double value) {}

    static PrometheusSamples parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(line));
        }
        return new PrometheusSamples(List.copyOf(samples));
    }

    private static Sample parseLine(String line) {
        int i = 0;
        while (i < line.length()
                && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_' || line.charAt(i) == ':')) {
            i++;
        }
        if (i == 0) {
            throw new AssertionError("Not a sample line: " + line);
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf("=\"", i);
                if (eq < 0) {
                    throw new AssertionError("Label without =\" in: " + line);
                }
                String label = line.substring(i, eq);
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(
                                switch (next) {
                                    case 'n' -> '\n';
                                    case '\\' -> '\\';
                                    case '"' -> '"';
                                    default -> throw new AssertionError("Bad escape \\" + next + " in: " + line);
                                });
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new AssertionError("Duplicate label " + label + " in: " + line);
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new AssertionError("No space before the value in: " + line);
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new AssertionError("Expected a value and an optional timestamp in: " + line);
        }
        return new Sample(name, Map.copyOf(labels), parseValue(rest[0], line));
    }

    private static double parseValue(String text, String line) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new AssertionError("Bad value \"" + text + "\" in: " + line, e);
                }
            }
        };
    }

    /** The samples of one metric whose labels include all the given ones. */
    List<Sample> find(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
    }

    /** The value of the single sample with exactly this name and these labels among its own. */
    double value(String name, Map<String, String> labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError("Expected one sample " + name + labels + " but found " + found);
        }
        return found.getFirst().value();
    }

    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }
}
