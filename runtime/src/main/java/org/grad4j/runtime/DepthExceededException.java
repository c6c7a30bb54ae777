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
                "grad4j: the gradient overflowed the worker thread's stack of " + (stackBytes >> 20) + " MiB. "
                        + "Each iteration of a loop that carries differentiable values holds one frame until the "
                        + "reverse pass. Raise the worker stack with -D" + WorkerSettings.STACK_PROPERTY
                        + "=<size, e.g. 8g> (reserved address space, not committed memory), or shorten the loop; "
                        + "if the function recurses without end, that is the cause.");
        e.initCause(cause);
        return e;
    }

    static DepthExceededException at(long used, long budget) {
        return new DepthExceededException(
                "grad4j: the gradient needs more stack than the worker thread has (about "
                        + (used >> 20) + " MiB of generated frames reached, budget " + (budget >> 20)
                        + " MiB). Each iteration of a loop that carries differentiable values holds one frame "
                        + "until the reverse pass. Raise the worker stack with -D" + WorkerSettings.STACK_PROPERTY
                        + "=<size, e.g. 8g> (reserved address space, not committed memory), or shorten the loop.");
    }
}
