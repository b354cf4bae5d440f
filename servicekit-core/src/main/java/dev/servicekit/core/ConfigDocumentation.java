package dev.servicekit.core;

import java.util.Objects;

/**
 * Renders a {@link ConfigSchema} as the Markdown table of {@code docs/configuration.md}: key, type,
 * default, whether a change applies without a restart, secret, environment variable and description.
 * A test compares the committed docs with this rendering, so the docs cannot drift from the code.
 */
public final class ConfigDocumentation {

    private ConfigDocumentation() {}

    /** The Markdown table for every key of {@code schema}, with environment variables under {@code prefix}. */
    public static String markdownTable(ConfigSchema schema, String environmentPrefix) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(environmentPrefix, "environmentPrefix");
        StringBuilder out = new StringBuilder();
        out.append("| key | type | default | reloadable | environment variable | description |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (ConfigKey<?> key : schema.keys()) {
            out.append("| `")
                    .append(key.name())
                    .append("`")
                    .append(" | ")
                    .append(escape(key.type().docName()))
                    .append(" | ")
                    .append(key.secret() ? "(secret)" : "`" + escape(key.defaultText()) + "`")
                    .append(" | ")
                    .append(key.reloadable() ? "yes" : "no, restart")
                    .append(" | `")
                    .append(key.environmentVariable(environmentPrefix))
                    .append("`")
                    .append(" | ")
                    .append(escape(key.description()))
                    .append(key.secret() ? " Secret: masked in every output." : "")
                    .append(" |\n");
        }
        return out.toString();
    }

    private static String escape(String text) {
        return text.replace("|", "\\|");
    }
}
