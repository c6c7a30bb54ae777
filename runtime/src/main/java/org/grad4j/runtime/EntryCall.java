package org.grad4j.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.invoke.WrongMethodTypeException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.grad4j.GradientException;

/**
 * Calls a generated entry by the contract stated in {@link Bridge}: receiver, each parameter
 * (each double/float array and each {@code INDArray[]} followed by its shadow), the top
 * continuation, a fresh {@link Ctx}; then reads the adjoint registers ({@code ctx.d} for
 * scalars, {@code ctx.o} for tensors) and shadows. {@link #run} runs on the current thread;
 * {@link #onWorker} looks the entry up on the caller's thread and runs it on a worker
 * ({@link Workers}), as {@code AD} and {@code TensorAD} do — or on the caller's thread when the
 * generated code said its stack depth is bounded ({@link Ctx#markBoundedDepth}), and otherwise
 * starting there and moving to a worker only once it gets deep ({@link StackExtension}).
 *
 * <p>ND4J stays optional: tensor parameters are recognised by class name, and the one call into
 * {@code org.grad4j.tensor} (zeros for a tensor that got no adjoint) runs only when the method
 * has a tensor parameter, i.e. when ND4J is loaded.
 */
public final class EntryCall {
    private EntryCall() {}

    /** The method type the entry of {@code m} must have. */
    public static MethodType entryType(Method m) {
        List<Class<?>> params = new ArrayList<>();
        if (!java.lang.reflect.Modifier.isStatic(m.getModifiers())) params.add(m.getDeclaringClass());
        for (Class<?> p : m.getParameterTypes()) {
            params.add(p);
            if (Shadows.hasShadow(p)) params.add(p);
        }
        params.add(continuationType(m.getReturnType()));
        params.add(Ctx.class);
        return MethodType.methodType(void.class, params);
    }

    private static Class<?> continuationType(Class<?> result) {
        if (result == double.class) return DoubleContinuation.class;
        if (result == float.class) return FloatContinuation.class;
        if (result == double[].class || result == float[].class) return ArrayContinuation.class;
        throw new GradientException("grad4j: cannot seed a gradient of a " + result.getName()
                + " result; the differentiated method must return double or float");
    }

    /**
     * Finds (or has the agent generate) the entry of {@code call} on the caller's thread, so that
     * transform errors show its stack, and runs it on a gradient worker with {@code top}.
     */
    public static Outcome onWorker(Call call, TopContinuation top) {
        return onWorker(call, top, PointHolders.mask(call));
    }

    /** As {@link #onWorker(Call, TopContinuation)} with an explicit activity mask (see the transformer's ActivityMask). */
    public static Outcome onWorker(Call call, TopContinuation top, String mask) {
        return onWorker(call, top, mask, false);
    }

    /**
     * As {@link #onWorker(Call, TopContinuation, String)}; {@code tensorParameters}: model
     * parameters include tensors, whose adjoints the reverse pass may then make in a workspace
     * (as it does when the method has tensor parameters).
     */
    public static Outcome onWorker(Call call, TopContinuation top, String mask, boolean tensorParameters) {
        return onWorker(call, top, mask, tensorParameters, List.of());
    }

    /**
     * As above, for a model's gradient: {@code parameters}, the values of its {@code @Parameter}
     * fields, are refused where differentiated code takes one as data ({@code Ctx.checkData}: read
     * through a static field or a helper that is no holder, its uses would silently get no derivative).
     */
    public static Outcome onWorker(Call call, TopContinuation top, String mask, boolean tensorParameters, List<Object> parameters) {
        String withLambdas = LambdaArguments.annotated(call, mask);
        EntryKey lambdas = withLambdas == mask ? null : new EntryKey(call.method(), withLambdas);
        if (lambdas != null && !NOT_MADE_AGAIN.get(call.method().getDeclaringClass()).containsKey(lambdas)) {
            try {
                entryOf(call.method(), withLambdas); // generated here, so that a refusal can fall back
                mask = withLambdas;
            } catch (org.grad4j.TransformException refused) {
                // the lambda leaves the method or is compared: the entry as it is, linking its calls
                NOT_MADE_AGAIN.get(call.method().getDeclaringClass()).put(lambdas, Boolean.TRUE);
            }
        }
        java.util.Map<EntryKey, String> promoted = HOLDER_MASKS.get(call.method().getDeclaringClass());
        String asked = promoted.isEmpty() ? mask : promoted.getOrDefault(new EntryKey(call.method(), mask), mask);
        while (true) {
            try {
                return onWorkerOnce(call, top, asked, tensorParameters, parameters);
            } catch (WorkArrayHolder holder) { // thrown before any of the user's code ran: ask again
                asked = holder.holderIn(asked);
                promoted.put(new EntryKey(call.method(), mask), asked);
            }
        }
    }

    /** Per declaring class, the masks with lambda arguments ({@link LambdaArguments}) whose entry was refused. */
    private static final ClassValue<java.util.Map<EntryKey, Boolean>> NOT_MADE_AGAIN = mapPerClass();

    /**
     * Per declaring class, the masks asked for again with holders of work arrays ({@link
     * WorkArrayHolder}), so that later gradients of the same call start there.
     */
    private static final ClassValue<java.util.Map<EntryKey, String>> HOLDER_MASKS = mapPerClass();

    private static Outcome onWorkerOnce(Call call, TopContinuation top, String mask, boolean tensorParameters,
                                        List<Object> parameters) {
        Method m = call.method();
        MethodHandle entry = entryOf(m, mask);
        Boolean bounded = RAN.get(m.getDeclaringClass()).get(entry);
        if (Boolean.TRUE.equals(bounded)) {
            // its stack depth does not grow with the input: no hand-off to a worker needed (a few µs saved)
            return runHere(call, entry, top, tensorParameters, parameters, false);
        }
        String initializer = Workers.onWorker() ? null : Workers.classBeingInitialised(entry);
        boolean tensors = tensorParameters || hasTensorParameter(m);
        if (initializer == null && bounded != null && startsOnCaller(tensors)) {
            return runHere(call, entry, top, tensorParameters, parameters, true);
        }
        if (initializer == null && bounded == null && !Workers.onWorker() && LockedOut.callerHoldsLocks()) {
            // a first run would go to a worker, which a helper of the loss locking what the caller holds would block forever
            return runHere(call, entry, top, tensorParameters, parameters, startsOnCaller(tensors));
        }
        Workers.Job<Outcome> job = () -> run(call, entry, top, tensorParameters, parameters, false);
        return initializer != null ? Workers.inInitializer(job, initializer) : Workers.shared().call(job, !tensors);
    }

    /**
     * Whether a gradient starts on the caller's thread and moves to a worker only if it gets deep
     * ({@link StackExtension}) — from the second run of its entry on: the first loads and links the
     * generated classes, and the agent's class file transformer, called deep in the caller's stack
     * by a load, could overflow it where a failure is not even reported. Not with tensors: the
     * reverse pass's ND4J workspace belongs to the thread that opens it, and must be closed there.
     */
    private static boolean startsOnCaller(boolean tensors) {
        return StackExtension.callerBytes() != 0 && !Workers.onWorker() && !tensors;
    }

    /** Tensors among the method's parameters (a model's tensor parameters are said apart, {@code tensorParameters}). */
    private static boolean hasTensorParameter(Method m) {
        for (Class<?> p : m.getParameterTypes()) if (Shadows.isTensor(p) || Shadows.isTensorArray(p)) return true;
        return false;
    }

    private static Outcome runHere(Call call, MethodHandle entry, TopContinuation top, boolean tensorParameters,
                                   List<Object> parameters, boolean movable) {
        try {
            return run(call, entry, top, tensorParameters, parameters, movable);
        } catch (StackOverflowError e) { // the frames it unwound leave room to say so
            throw DepthExceededException.onCaller(e, movable);
        } catch (Throwable t) {
            throw Workers.sneaky(t);
        }
    }

    /**
     * Per declaring class, the entries that have run: true for those whose generated code said it
     * has a bounded stack depth ({@link Ctx#markBoundedDepth}) when it first ran on a worker (they
     * run on the caller's thread), false for the others (they start there, {@link #startsOnCaller}).
     */
    private static final ClassValue<java.util.Map<MethodHandle, Boolean>> RAN = mapPerClass();

    /** The generator that made each cached entry: another bridge (tests install their own) starts afresh. */
    private record CachedEntry(Object generator, MethodHandle entry) {}

    private record EntryKey(Method method, String mask) {}

    /** Per declaring class, the entries already asked for: building the request key each call costs more than the gradient of a small function. */
    private static final ClassValue<java.util.Map<EntryKey, CachedEntry>> ENTRIES = mapPerClass();

    /** A concurrent map per class, living as long as the class (generated code is defined beside it). */
    private static <K, V> ClassValue<java.util.Map<K, V>> mapPerClass() {
        return new ClassValue<>() {
            @Override
            protected java.util.Map<K, V> computeValue(Class<?> type) {
                return new java.util.concurrent.ConcurrentHashMap<>();
            }
        };
    }

    private static MethodHandle entryOf(Method m, String mask) {
        java.util.Map<EntryKey, CachedEntry> cache = ENTRIES.get(m.getDeclaringClass());
        EntryKey key = new EntryKey(m, mask);
        CachedEntry cached = cache.get(key);
        Object generator = Bridge.currentGenerator();
        if (cached != null && cached.generator() == generator) return cached.entry();
        // the variant a gradient starts in, whose continuation is the top one
        MethodHandle entry = Bridge.entryOf(m.getDeclaringClass(), m.getName(), Descriptors.of(m) + "#" + mask + Bridge.ENTRY);
        cache.put(key, new CachedEntry(generator, entry));
        return entry;
    }

    /** An entry typed by the contract, taking its arguments as one array of {@code arity}. */
    private record Invoker(MethodHandle spread, int arity) {}

    /** Per declaring class: entry → its invoker (typing and spreading a handle costs microseconds). */
    private static final ClassValue<java.util.Map<MethodHandle, Invoker>> INVOKERS = mapPerClass();

    private static Invoker invoker(MethodHandle entry, Method m) {
        return INVOKERS.get(m.getDeclaringClass()).computeIfAbsent(entry, e -> {
            MethodHandle typed = checkedType(e, m);
            int arity = typed.type().parameterCount();
            return new Invoker(typed.asSpreader(Object[].class, arity), arity);
        });
    }

    /** Runs {@code entry} for {@code call} with the seed 1 and returns the value and adjoints. */
    public static Outcome run(Call call, MethodHandle entry) throws Throwable {
        return run(call, entry, TopContinuation.scalar(1.0));
    }

    /** Runs {@code entry} with the given top continuation (which seeds the output's adjoint). */
    public static Outcome run(Call call, MethodHandle entry, TopContinuation top) throws Throwable {
        return run(call, entry, top, false, List.of(), false);
    }

    /** @param movable the gradient runs on the caller's thread and moves to a worker if it gets deep */
    private static Outcome run(Call call, MethodHandle entry, TopContinuation top, boolean tensorParameters,
                               List<Object> parameters, boolean movable) throws Throwable {
        Method m = call.method();
        Invoker invoker = invoker(entry, m);
        Class<?>[] types = m.getParameterTypes();
        Object[] args = call.args();
        Shadows shadows = new Shadows();
        Object[] shadowOf = new Object[types.length];
        Object[] argv = new Object[invoker.arity()];
        int next = 0;
        boolean tensorInputs = false;
        java.util.List<Object> tensorPoints = null; // the tensors the gradient is taken at
        if (!call.isStatic()) argv[next++] = call.receiver();
        for (int i = 0; i < types.length; i++) {
            argv[next++] = args[i];
            if (Shadows.isDifferentiableArray(types[i])) {
                shadowOf[i] = call.differentiated()[i] ? shadows.zerosLike(args[i]) : null;
                argv[next++] = shadowOf[i];
            } else if (Shadows.isTensorArray(types[i])) {
                shadowOf[i] = call.differentiated()[i] ? shadows.tensorShadowLike(args[i]) : null;
                argv[next++] = shadowOf[i];
                tensorInputs = true;
            } else if (Shadows.isTensor(types[i])) {
                tensorInputs = true;
                if (call.differentiated()[i] && args[i] != null) {
                    if (tensorPoints == null) tensorPoints = new java.util.ArrayList<>(1);
                    tensorPoints.add(args[i]);
                }
            } else if (Shadows.hasShadow(types[i])) { // an INDArray[][] of data
                argv[next++] = null;
            }
        }
        // The shadow of a 2-D (or deeper) array mirrors its rows; a function that replaces a row
        // replaces the mirror's row too. The gradient is with respect to the rows passed in.
        Object[] rowsPassedIn = new Object[types.length];
        java.util.Map<Object, Object> structures = null; // an array passed twice: one gradient (made only for matrices)
        for (int i = 0; i < types.length; i++) {
            if (shadowOf[i] instanceof Object[] rows && Shadows.isDifferentiableArray(types[i])) {
                if (structures == null) structures = new java.util.IdentityHashMap<>();
                rowsPassedIn[i] = structures.computeIfAbsent(rows, r -> structure((Object[]) r));
            }
        }
        Ctx ctx = new Ctx(Workers.budgetHere());
        if (movable) ctx.startOnCaller(StackExtension.callerBytes());
        ctx.inputs(shadows);
        ctx.points(tensorPoints == null ? List.of() : tensorPoints, parameters);
        argv[next++] = top;
        argv[next] = ctx;
        if (tensorParameters || tensorInputs) ctx.wantReverseWorkspace();
        Ctx outer = Workers.enter(ctx);
        boolean returned = false;
        try {
            invoker.spread().invokeExact(argv);
            if (ctx.hasPendingReads()) inputReads(ctx, types, args, shadowOf);
            returned = true;
        } finally {
            Workers.leave(outer);
            ctx.releaseTape(returned);
            if (ctx.reverseWorkspace() != null) closeReverseWorkspace(ctx, shadowOf, returned);
        }
        RAN.get(m.getDeclaringClass()).putIfAbsent(entry, ctx.hasBoundedDepth());
        for (int i = 0; i < types.length; i++) if (rowsPassedIn[i] != null) shadowOf[i] = rowsPassedIn[i];
        double value = m.getReturnType().isArray() ? Double.NaN : top.value();
        if (m.getReturnType().isArray()) top.arrayValue(); // checks the continuation ran
        double[] adjoints = new double[types.length];
        int register = 0;
        int tensorRegister = 0;
        boolean tensors = false;
        for (int i = 0; i < types.length; i++) {
            if (Shadows.hasScalarRegister(types[i])) { // Double, Float and Number parameters have a register too
                adjoints[i] = ctx.d[register++] + 0.0; // generated code may hand back -0.0 for a zero gradient
            } else if (Shadows.isTensor(types[i])) {
                Object adjoint = ctx.o[tensorRegister++];
                if (call.differentiated()[i]) shadowOf[i] = adjoint;
                tensors = true;
            } else if (Shadows.isTensorArray(types[i]) && shadowOf[i] != null) {
                tensors = true;
            }
        }
        ctx.releaseRegisters();
        if (tensors) tensorGradients(types, args, call.differentiated(), shadowOf);
        return new Outcome(value, adjoints, shadowOf, ctx.parametersIfUsed());
    }

    /**
     * Detaches what leaves the reverse pass's workspace — the tensor adjoint registers, the
     * tensor-array shadows, the model's tensor adjoints — then closes it. Only called when the
     * workspace was opened, i.e. with ND4J loaded.
     */
    private static void closeReverseWorkspace(Ctx ctx, Object[] shadowOf, boolean returned) {
        if (returned) {
            var detach = org.grad4j.tensor.ReverseWorkspace.DETACH;
            for (int i = 0; i < ctx.o.length; i++) if (ctx.o[i] != null) ctx.o[i] = detach.apply(ctx.o[i]);
            for (int i = 0; i < shadowOf.length; i++) if (shadowOf[i] instanceof Object[]) shadowOf[i] = detach.apply(shadowOf[i]);
            ParameterAdjoints p = ctx.parametersIfUsed();
            if (p != null) p.replaceTensors(detach);
        }
        org.grad4j.tensor.ReverseWorkspace.close(ctx.reverseWorkspace());
    }

    /**
     * Adds the element and row reads of the tensor inputs to their adjoints (see
     * {@code org.grad4j.tensor.ReadAdjoints}), while the reverse workspace that holds them is still
     * open; everything else that makes a tensor took its reads already. Reads left over then would
     * be a silently wrong gradient: an internal error instead.
     */
    private static void inputReads(Ctx ctx, Class<?>[] types, Object[] args, Object[] shadowOf) {
        int tensorRegister = 0;
        for (int i = 0; i < types.length; i++) {
            if (Shadows.isTensor(types[i])) {
                int r = tensorRegister++;
                if (args[i] != null) ctx.o[r] = ctx.withReads(args[i], ctx.o[r]);
            } else if (Shadows.isTensorArray(types[i]) && shadowOf[i] instanceof Object[] shadow && args[i] != null) {
                Object[] elements = (Object[]) args[i];
                for (int k = 0; k < Math.min(shadow.length, elements.length); k++) {
                    if (elements[k] != null) shadow[k] = ctx.withReads(elements[k], shadow[k]);
                }
            }
        }
        if (ctx.hasPendingReads()) {
            throw new GradientException("grad4j internal error: reads of part of a tensor (getDouble, getRow, get, ...) "
                    + "gathered adjoints that reached no input; please report this with the differentiated code");
        }
    }

    /**
     * The tensor gradients: adjoints of one tensor object summed wherever it was passed (two
     * positions, elements of tensor arrays) and handed out as one object, null ones (no path to
     * the output) zeros like their tensors. Only called with ND4J loaded.
     */
    private static void tensorGradients(Class<?>[] types, Object[] args, boolean[] differentiated, Object[] shadowOf) {
        TiedTensors tied = new TiedTensors();
        java.util.Set<Object> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int i = 0; i < types.length; i++) {
            if (!differentiated[i]) continue;
            if (Shadows.isTensor(types[i])) {
                tied.add(args[i], shadowOf[i]);
            } else if (Shadows.isTensorArray(types[i]) && shadowOf[i] != null && arrays.add(shadowOf[i])) {
                Object[] elements = (Object[]) args[i], adjoints = (Object[]) shadowOf[i]; // an array passed twice has one shadow
                for (int j = 0; j < elements.length; j++) tied.add(elements[j], adjoints[j]);
            }
        }
        for (int i = 0; i < types.length; i++) {
            if (!differentiated[i]) continue;
            if (Shadows.isTensor(types[i])) {
                shadowOf[i] = tied.gradientOf(args[i]);
            } else if (Shadows.isTensorArray(types[i]) && shadowOf[i] != null) {
                Object[] elements = (Object[]) args[i], gradients = (Object[]) shadowOf[i];
                for (int j = 0; j < elements.length; j++) gradients[j] = tied.gradientOf(elements[j]);
            }
        }
    }

    /** A copy of the containers of a nested shadow that shares its leaf rows (updated in place). */
    private static Object structure(Object[] rows) {
        Object[] copy = rows.clone();
        for (int i = 0; i < copy.length; i++) if (copy[i] instanceof Object[] inner) copy[i] = structure(inner);
        return copy;
    }

    private static MethodHandle checkedType(MethodHandle entry, Method m) {
        MethodType expected = entryType(m);
        if (entry == null) {
            throw new GradientException("grad4j internal error: the agent returned no entry for " + m);
        }
        try {
            return entry.asFixedArity().asType(expected);
        } catch (WrongMethodTypeException e) {
            throw new GradientException("grad4j internal error: the generated entry for " + m + " has type "
                    + entry.type() + ", but the entry contract (see org.grad4j.runtime.Bridge) requires " + expected, e);
        }
    }
}
