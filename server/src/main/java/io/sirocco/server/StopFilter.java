package io.sirocco.server;

import java.util.List;

/**
 * OpenAI stop strings over a stream of text pieces: text that could still be the start of a stop string is held back,
 * so a client never sees part of a stop string that later completes; at a match the text ends before it (or after it
 * with include_stop_str_in_output).
 */
final class StopFilter {
    private final List<String> stops;
    private final boolean includeStop;
    private final StringBuilder pending = new StringBuilder();
    private String matched;

    StopFilter(List<String> stops, boolean includeStop) {
        this.stops = stops;
        this.includeStop = includeStop;
    }

    /** Adds text; returns what is now safe to emit (possibly empty). Nothing after a match. */
    String push(String text) {
        if (matched != null) return "";
        pending.append(text);
        return release(false);
    }

    /** The end of the text: releases what was held back. */
    String finish() {
        if (matched != null) return "";
        return release(true);
    }

    /** The stop string that ended the text, or null. */
    String matched() {
        return matched;
    }

    private String release(boolean end) {
        if (stops.isEmpty()) return take(pending.length());
        int first = -1;
        String which = null;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
                which = s;
            }
        }
        if (which != null) {
            matched = which;
            String out = take(includeStop ? first + which.length() : first);
            pending.setLength(0);
            return out;
        }
        return take(end ? pending.length() : pending.length() - heldBack());
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of some stop string. */
    private int heldBack() {
        int best = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, pending.length()); k > best; k--) {
                if (endsWith(s, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private boolean endsWith(String s, int k) {
        int off = pending.length() - k;
        for (int i = 0; i < k; i++) if (pending.charAt(off + i) != s.charAt(i)) return false;
        return true;
    }

    private String take(int n) {
        String out = pending.substring(0, n);
        pending.delete(0, n);
        return out;
    }
}
