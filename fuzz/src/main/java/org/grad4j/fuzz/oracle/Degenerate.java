package org.grad4j.fuzz.oracle;

/**
 * The oracle met a point where the derivative is not defined or not comparable: a value or a
 * tangent that is not finite (log of a non-positive number, overflow), or an exact tie at a kink
 * ({@code abs(0)}, {@code max(a, a)}) where two correct tools may choose different one-sided
 * derivatives. The program is skipped at these inputs, not counted as a failure.
 */
public final class Degenerate extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Degenerate(String what) {
        super(what, null, false, false);
    }
}
