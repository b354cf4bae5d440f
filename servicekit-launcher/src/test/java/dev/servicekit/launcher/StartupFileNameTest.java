package dev.servicekit.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The launcher's hand-written name and word parsers against the regular expressions they stand for. */
class StartupFileNameTest {

    /** The names the launcher gives its startup files, as a regular expression: group 1 the pid, 2 the suffix. */
    private static final Pattern NAME =
            Pattern.compile("[a-z][a-z0-9-]{0,31}-[0-9a-f]{1,8}(?:-[0-9a-f]{1,32})?(?:\\.([0-9]{1,10}))?"
                    + "(\\.jsa|\\.aot|\\.aot\\.part|\\.aotconf|\\.aotconf\\.running|\\.aotconf\\.build"
                    + "|\\.aotconf\\.skipped|\\.seen|\\.ran)");

    private static final Pattern VERB = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    /** The verb of a name's stem: read as {@code <verb>-<where>-<which>} where it can be, else as below. */
    private static final Pattern VERB_WHERE_WHICH =
            Pattern.compile("([a-z][a-z0-9-]{0,31})-[0-9a-f]{1,8}-[0-9a-f]{1,32}");

    private static final Pattern VERB_WHERE = Pattern.compile("([a-z][a-z0-9-]{0,31})-[0-9a-f]{1,8}");

    private static final List<String> PIECES = List.of(
            "run",
            "status",
            "token",
            "a",
            "z9",
            "-",
            "--",
            "0",
            "c30baa0a",
            "4b462d0dda29d910",
            "123456789",
            "12345678901",
            "abcdef012",
            "ABC",
            ".",
            "..",
            "1234",
            "x",
            "é",
            " ",
            "0123456789abcdef0123456789abcdef",
            "0123456789abcdef0",
            ".jsa",
            ".aot",
            ".aot.part",
            ".aotconf",
            ".aotconf.running",
            ".aotconf.build",
            ".aotconf.skipped",
            ".seen",
            ".ran",
            ".part",
            ".running",
            "verb-with-many-dashes-up-to-32-c");

    @Test
    void theLaunchersOwnNamesAreRead() {
        StartupFileName recording = StartupFileName.parse("run-c30baa0a-4b462d0dda29d910.4242.aotconf.running");
        assertThat(recording).isNotNull();
        assertThat(recording.pid).isEqualTo(4242);
        assertThat(recording.suffix).isEqualTo(".aotconf.running");
        assertThat(recording.verb).isEqualTo("run");

        StartupFileName status = StartupFileName.parse("status-c30baa0a-4b462d0dda29d91000aa00bb.aot");
        assertThat(status).isNotNull();
        assertThat(status.verb).isEqualTo("status");
        assertThat(status.pid).isEqualTo(-1);
        assertThat(StartupFileName.parse("status-c30baa0a-4b462d0dda29d91000aa00bb.77.aotconf.build").verb)
                .isEqualTo("status");

        StartupFileName archive = StartupFileName.parse("token-c30baa0a-ded3ad32.jsa");
        assertThat(archive).isNotNull();
        assertThat(archive.pid).isEqualTo(-1);
        assertThat(archive.suffix).isEqualTo(".jsa");
        assertThat(archive.verb).isEqualTo("token");
        assertThat(StartupFileName.parse("config-show-c30baa0a.jsa").verb)
                .as("an archive named before it had a <which>, of a verb with a hyphen")
                .isEqualTo("config-show");

        StartupFileName ran = StartupFileName.parse("run-c30baa0a-dc1bdca8eab8e856.ran");
        assertThat(ran).isNotNull();
        assertThat(ran.verb).isEqualTo("run");
        assertThat(ran.suffix).isEqualTo(".ran");
        StartupFileName seen = StartupFileName.parse("token-c30baa0a.seen");
        assertThat(seen).isNotNull();
        assertThat(seen.verb).isEqualTo("token");
        assertThat(seen.suffix).isEqualTo(".seen");

        assertThat(StartupFileName.parse("sqlite-jdbc")).isNull();
        assertThat(StartupFileName.parse("exec-39ef02b4")).isNull();
        assertThat(StartupFileName.parse("run-C30BAA0A.aot")).isNull();
    }

    @Test
    void everyNameTheRegularExpressionTakesAndOnlyThoseWithTheSameParts() {
        Random random = new Random(20261205);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            StringBuilder name = new StringBuilder();
            int pieces = 1 + random.nextInt(7);
            for (int p = 0; p < pieces; p++) {
                name.append(PIECES.get(random.nextInt(PIECES.size())));
            }
            names.add(name.toString());
        }
        // Names shaped like the launcher's, each part at random lengths around its bounds and from a wider alphabet.
        for (int i = 0; i < 100_000; i++) {
            StringBuilder name = new StringBuilder();
            name.append(text(random, "abz", 1, 1)).append(text(random, "az09-", 0, 33));
            name.append('-').append(text(random, "0af9", 0, 9));
            if (random.nextBoolean()) {
                name.append('-').append(text(random, "0af9g", 0, 33));
            }
            if (random.nextBoolean()) {
                name.append('.').append(text(random, "0189", 0, 11));
            }
            name.append(PIECES.get(PIECES.indexOf(".jsa") + random.nextInt(11)));
            names.add(name.toString());
        }
        int matched = 0;
        for (String name : names) {
            Matcher matcher = NAME.matcher(name);
            StartupFileName parsed = StartupFileName.parse(name);
            if (matcher.matches()) {
                matched++;
                assertThat(parsed).as(name).isNotNull();
                assertThat(parsed.pid)
                        .as(name)
                        .isEqualTo(matcher.group(1) == null ? -1 : Long.parseLong(matcher.group(1)));
                assertThat(parsed.suffix).as(name).isEqualTo(matcher.group(2));
                String stem = name.substring(0, name.length() - parsed.suffix.length())
                        .replaceAll("\\..*", "");
                Matcher three = VERB_WHERE_WHICH.matcher(stem);
                Matcher two = VERB_WHERE.matcher(stem);
                assertThat(parsed.verb)
                        .as(name)
                        .isEqualTo(three.matches() ? three.group(1) : two.matches() ? two.group(1) : "none");
            } else {
                assertThat(parsed).as(name).isNull();
            }
            String verb = name.length() > 40 ? name.substring(0, 40) : name;
            assertThat(StartupFileName.isVerb(verb))
                    .as(verb)
                    .isEqualTo(VERB.matcher(verb).matches());
        }
        assertThat(matched).as("names of ours among the generated").isGreaterThan(10_000);
    }

    private static String text(Random random, String alphabet, int min, int max) {
        StringBuilder text = new StringBuilder();
        int length = min + random.nextInt(max - min + 1);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    @Test
    void wordsSplitAtRunsOfWhitespaceAsTheRegularExpressionDoes() {
        List<String> texts = List.of(
                "",
                " ",
                "a",
                "  -Xmx128m   -XX:+UseSerialGC ",
                "a\tb\nc\u000Bd\fe\rf",
                "x\u00A0y", // no-break space is not \s
                "-Dname=a\u2003b", // nor is an em space
                "\t\t-ea\r\n");
        for (String text : texts) {
            List<String> expected = text.trim().isEmpty()
                    ? List.of()
                    : Arrays.asList(text.replaceAll("^\\s+", "").split("\\s+"));
            assertThat(Launcher.words(text)).as("'%s'", text).isEqualTo(expected);
        }
        assertThat(Launcher.words(null)).isEmpty();
    }
}
