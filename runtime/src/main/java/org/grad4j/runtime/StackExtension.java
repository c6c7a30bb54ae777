package org.grad4j.runtime;

import java.lang.invoke.CallSite;
import java.lang.invoke.ConstantCallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.grad4j.GradientException;

/**
 * Gradients start on the caller's thread and continue on a worker only if they get deep (DESIGN
 * §9): a worker's hand-off costs a few to tens of µs and moves the gradient's data to another core,
 * more than many whole gradients (an LSTM over 10 steps: 120 µs handed off, 80 µs on the caller), while most
 * gradients whose depth grows with their input — a loop calling differentiated code, a recursion —
 * stay shallow on the inputs they are given.
 *
 * <p>The functions that can be entered again while the frames below them wait (a method's entry,
 * a loop's header) ask {@link Ctx#enterOrMove}; past {@link #callerBytes()} of estimated frames it
 * answers true and the function calls itself through {@link #bootstrap}'s call site, which boxes
 * its arguments and runs it on a worker ({@link Ctx#moveToWorker}) while the caller's thread
 * waits. When the worker's call returns, the rest of the program has run forward and backward;
 * the frames left on the caller's thread run their reverse passes. At most one hand-off per
 * gradient, as before, and none for the shallow ones.
 *
 * <p>{@code -Dgrad4j.callerStack=<size>} sets how much stack of estimated generated frames a
 * gradient may use on the caller's thread before it moves (default 64k; compiled frames take
 * about the estimate, the first interpreted ones up to three times it); {@code 0} hands every
 * gradient whose depth is not bounded to a worker at its start, as before.
 */
public final class StackExtension {
    public static final String PROPERTY = "grad4j.callerStack";
    private static final String DEFAULT = "64k";
    private static final long CALLER_BYTES = parse(System.getProperty(PROPERTY, DEFAULT));

    private static final MethodHandle MOVE;

    static {
        try {
            MOVE = MethodHandles.lookup().findStatic(StackExtension.class, "move",
                    MethodType.methodType(void.class, MethodHandle.class, Object[].class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private StackExtension() {}

    /** The estimated frames a gradient may stack on the caller's thread before it moves; 0: none. */
    static long callerBytes() {
        return CALLER_BYTES;
    }

    private static long parse(String text) {
        if (text.trim().equals("0")) return 0;
        return WorkerSettings.parseSize(text, PROPERTY);
    }

    /**
     * The call site a generated function calls itself through to move: its own arguments, {@code
     * ctx} last (the calling convention, DESIGN §5), boxed into an array and run on a worker.
     *
     * @param self the function itself
     */
    public static CallSite bootstrap(MethodHandles.Lookup lookup, String name, MethodType type, MethodHandle self) {
        if (!type.equals(self.type()) || type.parameterCount() == 0 || type.lastParameterType() != Ctx.class) {
            throw new GradientException("grad4j: internal error: a move to a worker of " + self + " at a call site of type " + type);
        }
        MethodHandle spread = self.asSpreader(Object[].class, type.parameterCount());
        return new ConstantCallSite(MethodHandles.insertArguments(MOVE, 0, spread)
                .asCollector(Object[].class, type.parameterCount()).asType(type));
    }

    @SuppressWarnings("unused") // called through MOVE
    private static void move(MethodHandle spread, Object[] args) {
        ((Ctx) args[args.length - 1]).moveToWorker(() -> {
            spread.invokeExact(args);
            return null;
        });
    }
}
