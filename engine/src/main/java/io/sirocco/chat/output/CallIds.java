package io.sirocco.chat.output;

import java.security.SecureRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/** Tool call ids in Mistral's form: 9 characters from [a-zA-Z0-9]. */
public final class CallIds {
    private CallIds() {}

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final Pattern VALID = Pattern.compile("^[a-zA-Z0-9]{9}$");
    private static final RandomGenerator RANDOM = new SecureRandom();

    public static String random() {
        return random(RANDOM);
    }

    public static String random(RandomGenerator rng) {
        char[] c = new char[9];
        for (int i = 0; i < c.length; i++) c[i] = ALPHABET.charAt(rng.nextInt(ALPHABET.length()));
        return new String(c);
    }

    /** A generator of random ids. */
    public static Supplier<String> generator() {
        return CallIds::random;
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }
}
