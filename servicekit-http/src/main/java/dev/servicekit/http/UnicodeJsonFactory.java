package dev.servicekit.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import java.io.DataInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;

/**
 * A JSON factory whose parsers refuse a string value that is not Unicode text: one with an unpaired surrogate, which
 * JSON's {@code \u005Cu} escapes can write ({@code "\u005CuD800"}) and Jackson reads into a Java string as it is.
 * Such a string cannot be written as UTF-8: a database stores {@code ?} in its place, so what a service answered is
 * not what it kept, and two passwords that differ only there hash alike. A surrogate pair
 * ({@code "\u005CuD83D\u005CuDE00"}) is one character and is read as always. (Jackson refuses an unpaired surrogate
 * in a field name itself, with a parse error that {@link JsonBodies} words the same way.)
 */
final class UnicodeJsonFactory extends JsonFactory {

    private static final long serialVersionUID = 1L;

    UnicodeJsonFactory() {}

    private UnicodeJsonFactory(UnicodeJsonFactory source, ObjectCodec codec) {
        super(source, codec);
    }

    @Override
    public JsonFactory copy() {
        return new UnicodeJsonFactory(this, null);
    }

    @Override
    protected JsonParser _createParser(InputStream in, IOContext context) throws IOException {
        return new UnicodeParser(super._createParser(in, context));
    }

    @Override
    protected JsonParser _createParser(Reader reader, IOContext context) throws IOException {
        return new UnicodeParser(super._createParser(reader, context));
    }

    @Override
    protected JsonParser _createParser(char[] data, int offset, int length, IOContext context, boolean recyclable)
            throws IOException {
        return new UnicodeParser(super._createParser(data, offset, length, context, recyclable));
    }

    @Override
    protected JsonParser _createParser(byte[] data, int offset, int length, IOContext context) throws IOException {
        return new UnicodeParser(super._createParser(data, offset, length, context));
    }

    @Override
    protected JsonParser _createParser(DataInput input, IOContext context) throws IOException {
        return new UnicodeParser(super._createParser(input, context));
    }

    /**
     * The offset in {@code text[offset, offset + length)} of the first surrogate that is not half of a pair, or -1
     * when there is none.
     */
    static int unpairedSurrogate(char[] text, int offset, int length) {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            char c = text[i];
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text[i + 1])) {
                i++;
            } else {
                return i - offset;
            }
        }
        return -1;
    }

    /** What a parser of this factory throws for a string value that is not Unicode text. */
    static final class NotUnicodeText extends JsonParseException {

        private static final long serialVersionUID = 1L;

        private final char surrogate;

        NotUnicodeText(JsonParser parser, char surrogate) {
            super(parser, String.format("A string holds an unpaired surrogate (\\u%04X)", (int) surrogate));
            this.surrogate = surrogate;
        }

        /** The surrogate without its other half. */
        char surrogate() {
            return surrogate;
        }
    }

    /** Checks each string value as the parser reaches it, before any deserializer reads it. */
    private static final class UnicodeParser extends JsonParserDelegate {

        UnicodeParser(JsonParser parser) {
            super(parser);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken token = delegate.nextToken();
            if (token == JsonToken.VALUE_STRING) {
                char[] text = delegate.getTextCharacters();
                int offset = delegate.getTextOffset();
                int at = unpairedSurrogate(text, offset, delegate.getTextLength());
                if (at >= 0) {
                    throw new NotUnicodeText(this, text[offset + at]);
                }
            }
            return token;
        }

        /** As {@link JsonParser}'s own, through {@link #nextToken()}: the delegate's would pass the strings by. */
        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken token = nextToken();
            return token == JsonToken.FIELD_NAME ? nextToken() : token;
        }
    }
}
