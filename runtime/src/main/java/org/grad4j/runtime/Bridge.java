package org.grad4j.runtime;

import java.lang.invoke.MethodHandle;
import java.util.Properties;
import java.util.function.BiFunction;
import org.grad4j.GradientException;

/**
 * Where {@code AD} finds generated code. The runtime never imports the transformer: the agent
 * installs a generator here at start-up, which is also how {@code AD} knows the agent is
 * attached.
 *
 * <p>The generator is published in the system properties under {@link #KEY} as a JDK-typed
 * {@code BiFunction<Class<?>, String, MethodHandle>}, so that a second copy of the runtime in a
 * child-first class loader finds the same agent.
 *
 * <h2>The entry contract</h2>
 * For a method {@code R m(P0 p0, ..., Pn pn)} (instance methods take the receiver first), the
 * handle is a static method {@code void (params..., k, Ctx)} where every parameter whose type is
 * an array of {@code double}/{@code float} (any rank) is followed by its shadow of the same type
 * (null for a data array), and {@code k} is a {@link DoubleContinuation}, {@link
 * FloatContinuation} or {@link VoidContinuation} by {@code R}. When it returns, {@code ctx.d[i]}
 * holds the adjoint of the i-th {@code double}/{@code float}/{@code Double}/{@code Float}/{@code Number}
 * parameter (counted in declaration order; receiver excluded), and shadows hold the adjoints of arrays.
 *
 * <p>Tensors (ND4J, optional): an {@code INDArray} parameter has no shadow; when the entry
 * returns, {@code ctx.o[j]} holds its adjoint, where {@code j} is its ordinal among the method's
 * {@code INDArray} parameters (declaration order, receiver excluded; {@code INDArray[]}
 * parameters do not count). The adjoint has the parameter's shape and dtype; null means zero.
 * Every tensor register is written, constants included (null). An {@code INDArray[]} parameter
 * is followed by a shadow {@code INDArray[]} of the same length, all null when the call starts
 * (null for a data array); after the call its element {@code i} holds the adjoint of element
 * {@code i} of the argument (null means zero), accumulated out of place (an element is replaced,
 * never updated in place). An {@code INDArray[][]} (or deeper) parameter is followed by a shadow
 * of its type too, always null at an entry: such a grid of tensors is data there. The runtime
 * hands users zeros, shaped and typed like the tensor, where generated code left null.
 *
 * <p>How {@code AD} calls an entry ({@link EntryCall}): on a gradient worker thread
 * ({@link Workers}), with the arguments as the user gave them (arrays are never copied),
 * fresh zero shadows for the differentiated arrays (one shared shadow for an array object
 * passed twice; all-null shadows for {@code INDArray[]}) and null for data arrays (a lambda's
 * captured arrays), a top continuation that
 * must be resumed exactly once before the entry returns normally (it records the value and
 * returns the seed 1.0), and a fresh {@link Ctx} whose stack budget is what the worker has
 * left. An entry handle of any other type is reported as an internal error.
 */
public final class Bridge {
    /** System-properties key of the installed generator. */
    public static final String KEY = "org.grad4j.bridge";

    /**
     * The suffix of an activity mask that asks for the variant a gradient starts in: its
     * continuation is the top one, so nothing runs between its forward pass and its reverse.
     * {@link EntryCall} asks for it; calls from generated code ask for the plain variant, except
     * where nothing after the call writes an array (see the transformer's {@code ActivityMask}).
     */
    public static final String OUTERMOST = ":top";

    /**
     * The suffix {@link EntryCall} asks with: the outermost variant that {@code AD} itself calls,
     * with the user's arguments. Only there may an array passed as data (a lambda's capture) be a
     * work array with a shadow of its own (see the transformer's {@code ActivityMask.WORK}); a
     * callee that starts outermost too ({@link #OUTERMOST}) has a caller that may read the array
     * after it.
     */
    public static final String ENTRY = ":entry";

    private Bridge() {}

    /** Called by the agent. */
    public static void install(BiFunction<Class<?>, String, MethodHandle> generator) {
        System.getProperties().put(KEY, generator);
    }

    /** System-properties key of the lambda resolver (see {@link #lambdaImplementation}). */
    public static final String LAMBDA_KEY = "org.grad4j.lambdas";

    /** Called by the agent: (lambda class, its interface's internal name) → candidates {owner, name, descriptor, "static"|"virtual", line}. */
    public static void installLambdaResolver(BiFunction<Class<?>, String, String[][]> resolver) {
        System.getProperties().put(LAMBDA_KEY, resolver);
    }

    /**
     * The candidate implementation methods of a lambda object whose class is hidden (not
     * serializable, so {@code writeReplace} cannot name it): each {owner binary name, name,
     * descriptor, "static" or "virtual", and optionally the first source line of its body or ""};
     * several when its creator has several alike sites (sites with the same code count as one).
     */
    @SuppressWarnings("unchecked")
    public static String[][] lambdaImplementations(Class<?> lambdaClass, String functionalInterface) {
        Object r = System.getProperties().get(LAMBDA_KEY);
        return r instanceof BiFunction ? ((BiFunction<Class<?>, String, String[][]>) r).apply(lambdaClass, functionalInterface) : null;
    }

    public static boolean installed() {
        return generator() != null;
    }

    /**
     * The generated entry of {@code owner.name descriptor} (descriptor in JVM form).
     *
     * @throws GradientException when no agent is attached
     * @throws org.grad4j.TransformException when the method cannot be differentiated
     */
    public static MethodHandle entryOf(Class<?> owner, String name, String descriptor) {
        BiFunction<Class<?>, String, MethodHandle> generator = generator();
        if (generator == null) {
            throw new GradientException(NOT_ATTACHED);
        }
        return generator.apply(owner, name + descriptor);
    }

    /** The generator installed now (null when none): entries cached by callers are valid while it stays the same. */
    static Object currentGenerator() {
        return generator();
    }

    static final String NOT_ATTACHED =
            "grad4j: no agent is attached to this JVM, so no gradient code can be generated. "
                    + "Start the JVM with -javaagent:path/to/grad4j-agent.jar (built at agent/target/grad4j-agent.jar), "
                    + "or call AD.install() before the first gradient with grad4j-agent.jar on the class path.";

    @SuppressWarnings("unchecked")
    private static BiFunction<Class<?>, String, MethodHandle> generator() {
        Properties p = System.getProperties();
        Object g = p.get(KEY);
        return g instanceof BiFunction ? (BiFunction<Class<?>, String, MethodHandle>) g : null;
    }
}
