package org.grad4j.transformer.inline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Source lines of inlined helpers. The {@link Inliner} copies a helper's instructions into its
 * caller, where a plain line number would name a line of the helper's file as if it were the
 * caller's. So an inlined instruction carries a <em>synthetic</em> line number instead: a number
 * above any a class file can hold, standing for the helper, its own line, and the caller's line
 * of the call. Everything downstream (the lifter, the analyses, the code generator) carries line
 * numbers as they are; what shows one to a person asks {@link #text} or {@link #frames}, and the
 * generated code's line table asks {@link #plain}: a stack trace names the line of the call, in
 * the caller's file, as a call would.
 *
 * <p>A helper inlined into a helper that is inlined in turn nests: the inner helper's line, itself
 * synthetic, becomes the outer one's line. The numbers are interned for the life of the JVM (one
 * per distinct helper line and call line), so the same program gets the same numbers each time.
 */
public final class InlinedLines {
    /** Above the largest line number a class file holds (an unsigned 16-bit number). */
    private static final int FIRST = 1 << 24;

    private record Origin(String owner, String method, int helperLine, int callLine) {}

    /** One frame of a chain: a helper's method and the line of it that ran. */
    public record Frame(String owner, String method, int line) {
        /** {@code org.x.Helper.penalty (Helper.java:30)}, the file guessed from the class (a nested class lives in its outer class's file). */
        @Override
        public String toString() {
            String simple = owner.substring(owner.lastIndexOf('/') + 1);
            int nested = simple.indexOf('$');
            String file = (nested > 0 ? simple.substring(0, nested) : simple) + ".java";
            return owner.replace('/', '.') + "." + method + " (" + file + (line > 0 ? ":" + line : "") + ")";
        }
    }

    private static final List<Origin> ORIGINS = new ArrayList<>();
    private static final Map<Origin, Integer> NUMBERS = new HashMap<>();

    private InlinedLines() {}

    /** The synthetic line for line {@code helperLine} of {@code owner.method} inlined at {@code callLine} of its caller. */
    public static synchronized int of(String owner, String method, int helperLine, int callLine) {
        Origin o = new Origin(owner, method, helperLine, callLine);
        Integer known = NUMBERS.get(o);
        if (known != null) return known;
        int line = FIRST + ORIGINS.size();
        ORIGINS.add(o);
        NUMBERS.put(o, line);
        return line;
    }

    public static boolean isInlined(int line) {
        return line >= FIRST;
    }

    private static synchronized Origin origin(int line) {
        return ORIGINS.get(line - FIRST);
    }

    /** The line in the method itself: a synthetic line's call line (the outermost one); others as they are. */
    public static int plain(int line) {
        while (isInlined(line)) line = origin(line).callLine();
        return line;
    }

    /** The helpers a synthetic line lies in, outermost first, each with its line; none for a plain line. */
    public static List<Frame> frames(int line) {
        List<Frame> frames = new ArrayList<>();
        addFrames(line, frames);
        return frames;
    }

    private static void addFrames(int line, List<Frame> frames) {
        if (!isInlined(line)) return;
        Origin o = origin(line);
        addFrames(o.callLine(), frames); // the call itself may lie in code inlined before
        frames.add(new Frame(o.owner(), o.method(), plain(o.helperLine())));
        addFrames(o.helperLine(), frames); // and the helper's line in a helper inlined into it
    }

    /**
     * A line for a message: {@code 12} for a plain line, {@code 12 (in org.x.Helper.penalty
     * (Helper.java:30))} for a line of a helper inlined at line 12.
     */
    public static String text(int line) {
        List<Frame> frames = frames(line);
        if (frames.isEmpty()) return String.valueOf(line);
        return plain(line) + " (" + inside(frames) + ")";
    }

    /** {@code in org.x.Helper.penalty (Helper.java:30), in org.x.Norms.l2 (Norms.java:8)}. */
    public static String inside(List<Frame> frames) {
        StringBuilder s = new StringBuilder();
        for (Frame f : frames) s.append(s.length() == 0 ? "in " : ", in ").append(f);
        return s.toString();
    }
}
