package org.grad4j;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.grad4j.runtime.Bridge;
import org.grad4j.runtime.Call;
import org.grad4j.runtime.DataArrays;
import org.grad4j.runtime.DepthExceededException;
import org.grad4j.runtime.EntryCall;
import org.grad4j.runtime.Functions;
import org.grad4j.runtime.MethodCalls;
import org.grad4j.runtime.Outcome;
import org.grad4j.runtime.Shadows;
import org.grad4j.runtime.TopContinuation;

/**
 * Gradients of ordinary Java code by reverse-mode automatic differentiation.
 *
 * <pre>{@code
 * double d = AD.derivative(x -> Math.sin(x) * x, 1.0);
 * double[] g = AD.gradient(w -> Model.loss(w, xs, ys), w);
 * }</pre>
 *
 * <p>The function's code (a lambda's body, a method reference's target, or the {@code apply}
 * of a class implementing the interface) runs in a form the grad4j agent generates, so the
 * JVM must run with {@code -javaagent:grad4j-agent.jar} or call {@link #install()} first.
 * Values captured by a lambda are constants: the gradient is with respect to the function's
 * argument only. Input arrays are passed as they are (never copied or replaced); the function
 * may mutate them as a plain call would.
 *
 * <p>Each iteration of a loop that calls differentiated code, and each level of a recursion,
 * holds one frame until the reverse pass. A computation starts on the calling thread and, once
 * it gets deep, goes on on one of a few reused worker threads with a large stack, sized by
 * {@code -Dgrad4j.stack} (default 2g), while the caller waits (the first computation of each
 * function, and those with tensors, run on a worker from their start); what the function throws
 * is rethrown to the caller unchanged. Thread-locals seen by the function are then the worker's.
 * A gradient requested from inside a gradient computation runs inline on its thread. All
 * methods are safe to call from many threads at once.
 */
public final class AD {
    private static final String AGENT_CLASS = "org.grad4j.agent.Grad4jAgent";

    private AD() {}

    /** The derivative of {@code f} at {@code x}. */
    public static double derivative(ScalarFunction f, double x) {
        try {
            Functions.Resolved r = Functions.resolve(f, ScalarFunction.class, double.class, x);
            return run(r.call(), TopContinuation.gradientOnly()).adjoint(r.input());
        } catch (StackOverflowError e) { // called with little stack left: say so (no room to make an exception)
            throw DepthExceededException.NO_STACK_LEFT;
        }
    }

    /** The gradient of {@code f} at {@code x}, a new array shaped like {@code x}. */
    public static double[] gradient(VectorFunction f, double[] x) {
        try {
            // the value is not returned: generated code may skip what only forms it (a loss's last sum)
            return runAt(f, x, TopContinuation.gradientOnly()).gradient();
        } catch (StackOverflowError e) { // called with little stack left: say so (no room to make an exception)
            throw DepthExceededException.NO_STACK_LEFT;
        }
    }

    /** The value of {@code f} at {@code x} and its gradient, from one evaluation. */
    public static ValueAndGradient valueAndGradient(VectorFunction f, double[] x) {
        try {
            return runAt(f, x, TopContinuation.scalar(1.0));
        } catch (StackOverflowError e) { // called with little stack left: say so (no room to make an exception)
            throw DepthExceededException.NO_STACK_LEFT;
        }
    }

    /** The value is NaN when {@code top} does not keep it ({@link TopContinuation#gradientOnly()}). */
    private static ValueAndGradient runAt(VectorFunction f, double[] x, TopContinuation top) {
        if (x == null) {
            throw new GradientException("grad4j: the point x to take the gradient at is null");
        }
        Functions.Resolved r = Functions.resolve(f, VectorFunction.class, double[].class, x);
        Outcome o = run(r.call(), top);
        return new ValueAndGradient(o.value(), (double[]) o.shadow(r.input()));
    }

    /**
     * The vector–Jacobian product {@code seedᵀ·J} of {@code f} at {@code x}: the gradient of
     * {@code Σ seed[i]·f(x)[i]}, shaped like {@code x}, from one reverse pass. {@code seed} has one
     * entry per output. {@code x} is passed as it is: it holds afterwards what a plain call leaves.
     */
    public static double[] vjp(ArrayFunction f, double[] x, double[] seed) {
        try {
            if (x == null || seed == null) {
                throw new GradientException("grad4j: vjp needs a point x and a seed (one entry per output); got "
                        + (x == null ? "x = null" : "seed = null"));
            }
            Functions.Resolved r = Functions.resolve(f, ArrayFunction.class, double[].class, double[].class, x);
            return (double[]) run(r.call(), TopContinuation.vector(seed.clone())).shadow(r.input());
        } catch (StackOverflowError e) { // called with little stack left: say so (no room to make an exception)
            throw DepthExceededException.NO_STACK_LEFT;
        }
    }

    /**
     * The Jacobian of {@code f} at {@code x}: {@code J[i][j] = ∂f_i/∂x_j}, one reverse pass per
     * output. Each pass runs on {@code x} with the values it had before the first, so a function
     * that mutates its input sees the same input every time; {@code x} holds them again afterwards.
     * So do the arrays of numbers the function captured (a buffer it fills and reads back): each
     * pass starts from what they held before the first, and afterwards they hold what one call
     * leaves in them.
     */
    public static double[][] jacobian(ArrayFunction f, double[] x) {
        if (x == null) throw new GradientException("grad4j: the point x to take the Jacobian at is null");
        // The passes run on x itself, its values put back after each: on a copy, an x the function
        // also reaches as data (captured, in a field) would be a constant, the Jacobian silently short.
        double[] values = x.clone();
        try {
            Functions.Resolved r = Functions.resolve(f, ArrayFunction.class, double[].class, double[].class, x);
            TopContinuation top = TopContinuation.unit(0);
            // buffers the function was given as data (captured) and may fill: each pass starts from what they held
            DataArrays before = DataArrays.of(r.call());
            Outcome o = run(r.call(), top);
            int m = java.lang.reflect.Array.getLength(top.arrayValue());
            double[][] jacobian = new double[m][];
            if (m > 0) jacobian[0] = (double[]) o.shadow(r.input());
            DataArrays afterOneCall = m > 1 ? DataArrays.of(r.call()) : null;
            for (int i = 1; i < m; i++) {
                System.arraycopy(values, 0, x, 0, x.length);
                before.putBack();
                Functions.Resolved ri = Functions.resolve(f, ArrayFunction.class, double[].class, double[].class, x);
                jacobian[i] = (double[]) run(ri.call(), TopContinuation.unit(i)).shadow(ri.input());
            }
            if (afterOneCall != null) afterOneCall.putBack(); // as one plain call leaves them
            return jacobian;
        } catch (StackOverflowError e) { // called with little stack left: say so (no room to make an exception)
            throw DepthExceededException.NO_STACK_LEFT;
        } finally {
            System.arraycopy(values, 0, x, 0, x.length);
        }
    }

    /**
     * The value of {@code method} called on {@code receiver} (ignored for a static method) with
     * {@code args}, and its gradient with respect to every {@code double}/{@code float}
     * parameter (also {@code Double}, {@code Float}, {@code Number}) and every array of them, and every ND4J {@code INDArray} parameter (an
     * {@code INDArray} of its shape and dtype) and {@code INDArray[]} parameter (an
     * {@code INDArray[]}, one gradient per element). Arguments convert as for {@link Method#invoke}.
     * The method must return {@code double} or {@code float}; a virtual method runs the receiver's
     * override. Checked exceptions the method throws are rethrown unchanged.
     */
    public static Gradients gradient(Method method, Object receiver, Object... args) {
        try {
            Call call = MethodCalls.resolve(method, receiver, args);
            Outcome o = run(call);
            Class<?>[] types = call.method().getParameterTypes();
            Object[] byParameter = new Object[types.length];
            for (int i = 0; i < types.length; i++) {
                if (Shadows.hasScalarRegister(types[i])) byParameter[i] = o.adjoint(i); // double, float, Double, Float, Number
                else if (Shadows.isDifferentiableArray(types[i]) || Shadows.isTensor(types[i]) || Shadows.isTensorArray(types[i])) {
                    byParameter[i] = o.shadow(i);
                }
            }
            return new Gradients(o.value(), byParameter);
        } catch (StackOverflowError e) { // called with little stack left: say so (no room to make an exception)
            throw DepthExceededException.NO_STACK_LEFT;
        }
    }

    /**
     * Returns {@code x}; its derivative is not propagated: code after it treats the value as a
     * constant (for targets in a loss, or a value that must not be trained).
     */
    public static double stopGradient(double x) {
        return x;
    }

    /** As {@link #stopGradient(double)} for a float. */
    public static float stopGradient(float x) {
        return x;
    }

    /**
     * Registers the custom reverse rules of a class annotated {@link org.grad4j.rules.RulesFor}
     * (for methods of classes you do not own; for your own methods {@link AdjointOf} beside the
     * method is simpler). Each public static method annotated {@link org.grad4j.rules.Adjoint}
     * gives the adjoint of one argument of one method:
     *
     * <pre>{@code
     * @RulesFor("org/apache/commons/math3/special/Erf")
     * public final class ErfRules {
     *     @Adjoint(of = "erf")
     *     public static double erf(double x, double y, double dy) { return dy * 2 / Math.sqrt(Math.PI) * Math.exp(-x * x); }
     * }
     * AD.registerRules(ErfRules.class);
     * }</pre>
     *
     * Register before the first gradient that reaches the method.
     */
    public static void registerRules(Class<?> rulesClass) {
        if (rulesClass == null) throw new GradientException("grad4j: registerRules(null): pass a class annotated @RulesFor");
        org.grad4j.rules.RuleTable.global().registerUserRules(rulesClass);
    }

    /**
     * Attaches the grad4j agent to this JVM when it was started without {@code -javaagent}.
     * Needs grad4j-agent.jar on the class path; does nothing when an agent is attached.
     */
    public static synchronized void install() {
        if (Bridge.installed()) return;
        Method install;
        try {
            install = agentClass().getMethod("install");
        } catch (ClassNotFoundException e) {
            throw new GradientException("grad4j: AD.install() cannot find the agent (" + AGENT_CLASS + "). Add "
                    + "grad4j-agent.jar to the class path, or start the JVM with -javaagent:path/to/grad4j-agent.jar.", e);
        } catch (NoSuchMethodException e) {
            throw new GradientException("grad4j: the grad4j agent on the class path has no install() method; "
                    + "use grad4j-agent.jar of the same version as grad4j-runtime", e);
        }
        try {
            install.invoke(null);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error err) throw err;
            throw new GradientException("grad4j: attaching the agent failed: " + cause, cause);
        } catch (IllegalAccessException e) {
            throw new GradientException("grad4j: cannot call " + AGENT_CLASS + ".install(): " + e, e);
        }
        if (!Bridge.installed()) {
            throw new GradientException("grad4j: the agent was attached but published no code generator; "
                    + "use grad4j-agent.jar of the same version as grad4j-runtime");
        }
    }

    /** The agent class, from this runtime's loader or else the context loader (an application server's). */
    private static Class<?> agentClass() throws ClassNotFoundException {
        try {
            return Class.forName(AGENT_CLASS, true, AD.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            if (context == null || context == AD.class.getClassLoader()) throw e;
            return Class.forName(AGENT_CLASS, true, context);
        }
    }

    /** Generates (or finds) the entry on the caller's thread, so transform errors show its stack; runs it on a worker. */
    private static Outcome run(Call call) {
        return run(call, TopContinuation.scalar(1.0));
    }

    private static Outcome run(Call call, TopContinuation top) {
        return EntryCall.onWorker(call, top);
    }
}
