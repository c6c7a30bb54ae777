package org.grad4j.runtime;

import org.grad4j.GradientException;

/** A gradient needed more stack than the worker thread has: one frame per active loop iteration. */
public final class DepthExceededException extends GradientException {
    private static final long serialVersionUID = 1L;

    DepthExceededException(String message) {
        super(message);
    }

    /**
     * The backstop: the worker's stack overflowed before the byte estimate reached its budget
     * (primal code between generated frames, or a function that recurses without end).
     */
    static DepthExceededException overflow(long stackBytes, StackOverflowError cause) {
        DepthExceededException e = new DepthExceededException(
                "grad4j: the gradient overflowed the worker thread's stack of " + size(stackBytes) + ". "
                        + "Each level of a recursion, and each iteration of a loop that calls differentiated code, "
                        + "holds one frame until the reverse pass. Raise the worker stack with -D" + WorkerSettings.STACK_PROPERTY
                        + "=<size, e.g. 8g> (reserved address space, not committed memory), or shorten the loop; "
                        + "if the function recurses without end, that is the cause.");
        e.initCause(cause);
        return e;
    }

    static DepthExceededException inInitializer(String initializer, Throwable cause) {
        DepthExceededException e = new DepthExceededException(
                "grad4j: the gradient was requested inside the static initializer of " + initializer + ", so it ran on "
                        + "the calling thread (a gradient worker would wait for that class to finish initialising while "
                        + "the initializer waits for the worker), and it needs more stack than this thread has. Compute "
                        + "it after the class is initialised (in a method, or a lazily initialised holder class), or "
                        + "give the thread a larger stack (-Xss).");
        e.initCause(cause);
        return e;
    }

    /**
     * The caller's thread overflowed: before the gradient reached the depth at which it moves to a
     * worker ({@code movable}), or in a gradient of a bounded depth, which always runs there.
     */
    static DepthExceededException onCaller(StackOverflowError cause, boolean movable) {
        String remedy = movable
                ? "A gradient starts on the calling thread and moves to a grad4j worker (with a large stack) once its "
                        + "generated frames pass about " + size(StackExtension.callerBytes()) + " (-D" + StackExtension.PROPERTY
                        + "); this thread had less room left than that, or primal code between the generated frames went "
                        + "deep. Lower -D" + StackExtension.PROPERTY + " (0: start every such gradient on a worker) or give "
                        + "the thread a larger stack (-Xss, or the Thread constructor's stackSize)"
                : "This gradient's depth does not grow with its input, so it runs on the calling thread, which had "
                        + "too little stack left for it (the function itself may need nearly as much). Call it with more "
                        + "stack left, or give the thread a larger stack (-Xss, or the Thread constructor's stackSize)";
        DepthExceededException e = new DepthExceededException("grad4j: the gradient overflowed the calling thread's stack. "
                + remedy + "; if the function recurses without end, that is the cause.");
        e.initCause(cause);
        return e;
    }

    /**
     * Thrown by {@code AD} (and {@code Model}, {@code TensorAD}) when it was called with so little
     * stack left that grad4j's own work overflowed it: made ahead, since making an exception there
     * would overflow again. Shared, so it has no stack trace and takes no suppressed exceptions.
     */
    public static final DepthExceededException NO_STACK_LEFT = new DepthExceededException("grad4j: the gradient was "
            + "requested with too little stack left on the calling thread for grad4j to run it (a thread made with a very "
            + "small stack, or a call from deep inside a recursion). Request it with more stack left, or give the thread "
            + "a larger stack (-Xss, or the Thread constructor's stackSize).", true);

    private DepthExceededException(String message, boolean preallocated) {
        super(message, preallocated);
    }

    /** Bytes in MiB, or KiB below a MiB, so that small stacks do not read as 0. */
    static String size(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : Math.max(1, bytes >> 10) + " KiB";
    }

    static DepthExceededException at(long used, long budget) {
        return new DepthExceededException(
                "grad4j: the gradient needs more stack than the worker thread has (about "
                        + size(used) + " of generated frames reached, budget " + size(budget)
                        + "). Each level of a recursion, and each iteration of a loop that calls differentiated "
                        + "code, holds one frame until the reverse pass. Raise the worker stack with -D" + WorkerSettings.STACK_PROPERTY
                        + "=<size, e.g. 8g> (reserved address space, not committed memory), or shorten the loop; "
                        + "if the function recurses without end, that is the cause.");
    }
}
