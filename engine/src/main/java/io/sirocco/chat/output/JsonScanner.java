package io.sirocco.chat.output;

/**
 * Follows a JSON value character by character just far enough to know where it ends (brackets outside strings,
 * strings with escapes). It does not validate: it never throws, whatever the model writes.
 */
final class JsonScanner {
    private int depth;
    private boolean inString, escaped, started, done;

    /** Feeds one character of the value (leading white space must be skipped by the caller). */
    void accept(char c) {
        if (done) return;
        started = true;
        if (inString) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') {
                inString = false;
                if (depth == 0) done = true;
            }
            return;
        }
        switch (c) {
            case '"' -> inString = true;
            case '{', '[' -> depth++;
            case '}', ']' -> {
                depth--;
                if (depth <= 0) done = true;
            }
            default -> {
            }
        }
    }

    boolean started() {
        return started;
    }

    /** The value's last character has been seen. */
    boolean done() {
        return done;
    }
}
