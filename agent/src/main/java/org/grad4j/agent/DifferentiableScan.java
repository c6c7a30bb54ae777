package org.grad4j.agent;

import java.nio.charset.StandardCharsets;

/**
 * Decides, without parsing, whether a class file may declare a {@code @Differentiable} method:
 * its constant pool then holds the UTF-8 entry {@code Lorg/grad4j/Differentiable;} (the
 * annotation's descriptor), and ASCII is stored as-is in modified UTF-8.
 *
 * <p>Every class the application loads passes through here, so this is a Boyer–Moore–Horspool
 * search (it skips up to 27 bytes per step) and never throws, whatever the bytes: truncated or
 * garbage input simply answers {@code false} unless the pattern is in it.
 */
final class DifferentiableScan {
    static final byte[] PATTERN = "Lorg/grad4j/Differentiable;".getBytes(StandardCharsets.US_ASCII);

    /** How far the window may move when its last byte is {@code b}: Horspool's bad-character table. */
    private static final int[] SHIFT = new int[256];

    static {
        int m = PATTERN.length;
        java.util.Arrays.fill(SHIFT, m);
        for (int j = 0; j < m - 1; j++) {
            SHIFT[PATTERN[j] & 0xff] = m - 1 - j;
        }
    }

    private DifferentiableScan() {}

    static boolean mentionsDifferentiable(byte[] bytes) {
        return bytes != null && indexOf(bytes, 0, bytes.length) >= 0;
    }

    /** The first index of {@link #PATTERN} in {@code bytes[from, to)}, or -1. */
    static int indexOf(byte[] bytes, int from, int to) {
        if (bytes == null) return -1;
        int end = Math.min(to, bytes.length);
        int m = PATTERN.length;
        byte last = PATTERN[m - 1];
        int i = Math.max(from, 0) + m - 1; // index of the window's last byte
        while (i < end) {
            byte b = bytes[i];
            if (b == last && matchesBefore(bytes, i, m)) {
                return i - (m - 1);
            }
            i += SHIFT[b & 0xff];
        }
        return -1;
    }

    private static boolean matchesBefore(byte[] bytes, int lastIndex, int m) {
        int start = lastIndex - (m - 1);
        for (int j = m - 2; j >= 0; j--) {
            if (bytes[start + j] != PATTERN[j]) return false;
        }
        return true;
    }
}
