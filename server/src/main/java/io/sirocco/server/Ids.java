package io.sirocco.server;

import java.security.SecureRandom;

/** Response and tool-call ids. */
final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private Ids() {}

    static String hex(int chars) {
        StringBuilder sb = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) sb.append(Character.forDigit(RANDOM.nextInt(16), 16));
        return sb.toString();
    }

    /** Mistral tool-call id: 9 characters from [A-Za-z0-9] (what mistral-common's validator requires). */
    static String toolCallId() {
        StringBuilder sb = new StringBuilder(9);
        for (int i = 0; i < 9; i++) sb.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
        return sb.toString();
    }
}
