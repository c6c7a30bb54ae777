package org.grad4j.runtime;

/**
 * A continuation that may not read the number it is resumed with: the top continuation of {@code
 * AD.gradient}, and a call site's continuation whose call result only forms its caller's result
 * ({@code p -> 0.5 * loss(p) + reg(p)}) when the caller's own continuation does not read that. A
 * loop that sums what the method returns then skips what only forms the sum (see {@link
 * TopContinuation#discardsValue}).
 */
public interface ValueUnread {
    /** Whether the value passed to {@code resume} is not read (only its adjoint comes back). */
    boolean discardsValue();
}
