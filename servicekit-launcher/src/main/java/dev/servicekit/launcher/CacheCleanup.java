package dev.servicekit.launcher;

import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the per-user startup cache directory ({@link Launcher#cacheDirectory}) bounded. Every jar path and JDK path
 * gets startup files of its own (an AOT cache of about 50 MB for {@code run}, one of about 20 MB for
 * {@code status}, a class-data archive of about 10 MB per other verb), and the launcher only replaces the files of
 * the jar and JDK it runs: without this, every checkout, every copy of the jar and every versioned install directory
 * would leave its files behind for good.
 *
 * <p>At every start that uses the directory, after this start's files are chosen (and touched, so that their
 * modification time says when they were last used):
 * <ul>
 *   <li>a file not used for {@value #UNUSED_DAYS} days is deleted;</li>
 *   <li>of the other AOT caches and finished training runs (recordings whose JVM has exited, waiting for a start
 *       of their jar to build them), those of other jars and those of this jar under other JVM options, the
 *       {@value #MAX_OTHER_AOT} most recently used of each verb are kept (a {@code status} cache, used far more often,
 *       never pushes a {@code run} cache out);</li>
 *   <li>of the other class-data archives, the {@value #MAX_OTHER_ARCHIVES} most recently used are kept;</li>
 *   <li>of the notes that a verb was given before (which let an application's verb have its archive from its
 *       second use on), the {@value #MAX_SEEN_NOTES} most recently used are kept;</li>
 *   <li>a recording whose JVM has exited without reaching RUNNING (killed, or a failed start), a build or partial
 *       cache older than {@link AotCache#BUILD_TIMEOUT_MILLIS}, and a marker without its recording are deleted.</li>
 * </ul>
 * Only files named as the launcher names them are touched; deleting a file that another JVM maps is safe on Linux
 * (the mapping stays), and where the system refuses (Windows, a file in use) the next start tries again.
 */
final class CacheCleanup {

    /** A startup file not used for this many days is deleted: {@value}. */
    static final int UNUSED_DAYS = 30;

    /** AOT caches and finished recordings of other jars kept per verb, the most recently used: {@value}. */
    static final int MAX_OTHER_AOT = 3;

    /** Class-data archives other than this start's kept, the most recently used: {@value}. */
    static final int MAX_OTHER_ARCHIVES = 15;

    /**
     * Notes of verbs given before ({@link Launcher#seenBefore}, empty files) kept, the most recently used: {@value}.
     */
    static final int MAX_SEEN_NOTES = 30;

    private CacheCleanup() {}

    /** One file of ours, with what the rules need. */
    private static final class Entry {
        final File file;
        final String name;
        final String suffix;
        final long modified;

        Entry(File file, String name, String suffix, long modified) {
            this.file = file;
            this.name = name;
            this.suffix = suffix;
            this.modified = modified;
        }
    }

    /**
     * Applies the rules above to {@code directory}; never throws.
     *
     * @param inUse prefixes of the names this start uses (its AOT key followed by a dot, its archive's name): files
     *     starting with one are left alone
     * @param now the current time in milliseconds
     * @param processes tells whether a recording's JVM is still alive
     * @return the names deleted, for tests
     */
    static List<String> sweep(File directory, Collection<String> inUse, long now, AotCache.Processes processes) {
        List<String> deleted = new ArrayList<>();
        try {
            String[] names = directory.list();
            if (names == null) {
                return deleted;
            }
            List<String> present = new ArrayList<>();
            Collections.addAll(present, names);
            Map<String, List<Entry>> aot = new TreeMap<>(); // by verb
            List<Entry> archives = new ArrayList<>();
            List<Entry> seenNotes = new ArrayList<>();
            long unusedBefore = now - TimeUnit.DAYS.toMillis(UNUSED_DAYS);
            for (String name : names) {
                StartupFileName ours = StartupFileName.parse(name);
                if (ours == null || isInUse(name, inUse)) {
                    continue;
                }
                File file = new File(directory, name);
                long pid = ours.pid;
                Entry entry = new Entry(file, name, ours.suffix, file.lastModified());
                if (entry.modified < unusedBefore) {
                    delete(entry, deleted);
                } else if (entry.suffix.equals(StartupFileName.RECORDING + StartupFileName.BUILDING)
                        || entry.suffix.equals(StartupFileName.AOT_CACHE_PART)) {
                    if (now - entry.modified > AotCache.BUILD_TIMEOUT_MILLIS) {
                        delete(entry, deleted);
                    }
                } else if (entry.suffix.equals(StartupFileName.RECORDING + StartupFileName.RUNNING)) {
                    if (!present.contains(name.substring(0, name.length() - StartupFileName.RUNNING.length()))) {
                        delete(entry, deleted); // its recording is gone
                    }
                } else if (entry.suffix.equals(StartupFileName.RECORDING)) {
                    if (pid > 0 && processes.alive(pid)) {
                        continue; // still recording
                    }
                    if (!present.contains(name + StartupFileName.RUNNING)) {
                        delete(entry, deleted); // its JVM never reached RUNNING, or was killed
                    } else {
                        add(aot, ours.verb, entry);
                    }
                } else if (entry.suffix.equals(StartupFileName.RECORDING_SKIPPED)
                        || entry.suffix.equals(StartupFileName.RAN)) {
                    continue; // an empty note, deleted after the days above like every file unused
                } else if (entry.suffix.equals(StartupFileName.AOT_CACHE)) {
                    add(aot, ours.verb, entry);
                } else if (entry.suffix.equals(StartupFileName.SEEN)) {
                    seenNotes.add(entry);
                } else {
                    archives.add(entry);
                }
            }
            for (List<Entry> ofOneVerb : aot.values()) {
                keepNewest(ofOneVerb, MAX_OTHER_AOT, deleted, directory);
            }
            keepNewest(archives, MAX_OTHER_ARCHIVES, deleted, directory);
            keepNewest(seenNotes, MAX_SEEN_NOTES, deleted, directory);
        } catch (RuntimeException e) {
            // best effort: a start never fails for its cache directory
        }
        return deleted;
    }

    private static void add(Map<String, List<Entry>> byVerb, String verb, Entry entry) {
        List<Entry> entries = byVerb.get(verb);
        if (entries == null) {
            entries = new ArrayList<>();
            byVerb.put(verb, entries);
        }
        entries.add(entry);
    }

    private static boolean isInUse(String name, Collection<String> inUse) {
        for (String prefix : inUse) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static void keepNewest(List<Entry> entries, int keep, List<String> deleted, File directory) {
        if (entries.size() <= keep) {
            return;
        }
        Collections.sort(entries, new Comparator<Entry>() {
            @Override
            public int compare(Entry a, Entry b) {
                return Long.compare(b.modified, a.modified);
            }
        });
        for (Entry entry : entries.subList(keep, entries.size())) {
            delete(entry, deleted);
            if (entry.suffix.equals(StartupFileName.RECORDING)) {
                delete(new File(directory, entry.name + StartupFileName.RUNNING), deleted);
            }
        }
    }

    private static void delete(Entry entry, List<String> deleted) {
        delete(entry.file, deleted);
    }

    private static void delete(File file, List<String> deleted) {
        if (file.delete()) {
            deleted.add(file.getName());
        }
    }
}
