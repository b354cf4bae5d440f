package dev.servicekit.users;

/** Text as problems and messages quote it. */
final class Texts {

    private Texts() {}

    /**
     * {@code value} as it is when it has at most {@code max} characters (code points), else its first {@code max - 3}
     * and "...": never half of a character, which a surrogate pair cut in two would leave.
     */
    static String abbreviate(String value, int max) {
        if (value.length() <= max || value.codePointCount(0, value.length()) <= max) {
            return value;
        }
        return value.substring(0, value.offsetByCodePoints(0, max - 3)) + "...";
    }
}
