package org.grad4j;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.grad4j.runtime.Bridge;
import org.grad4j.runtime.Ctx;
import org.grad4j.runtime.Descriptors;
import org.grad4j.runtime.DoubleContinuation;
import org.grad4j.runtime.EntryCall;
import org.grad4j.runtime.FloatContinuation;
import org.grad4j.runtime.Shadows;

/**
 * A stand-in for the agent, to test {@link AD} without the transformer. For a method
 * {@code m} it returns the hand-written static method {@code m$entry} of the entries class
 * when there is one (pinning the entry contract exactly as generated code must follow it),
 * else a generic entry that follows the same contract with finite differences: it calls the
 * original method for the value, resumes the continuation, then writes {@code ctx.d[i]} (and
 * {@code ctx.o[j]} for tensors) and adds into the shadows (element adjoints of {@code INDArray[]}).
 */
final class FakeBridge {
    private FakeBridge() {}

    /** What the finite-difference entry last received, for tests of the arguments AD builds. */
    static volatile List<Object> lastArguments;

    static void install(Class<?> entries) {
        Bridge.install((owner, key) -> {
            int mask = key.indexOf('#'); // the activity mask: the fake differentiates every parameter anyway
            Method m = method(owner, mask < 0 ? key : key.substring(0, mask));
            MethodType type = EntryCall.entryType(m);
            try {
                Method hand = entries.getDeclaredMethod(m.getName() + "$entry", type.parameterArray());
                hand.setAccessible(true);
                return MethodHandles.lookup().unreflect(hand);
            } catch (NoSuchMethodException e) {
                return finiteDifferenceEntry(m, type);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static void remove() {
        System.getProperties().remove(Bridge.KEY);
    }

    private static Method method(Class<?> owner, String nameDesc) {
        for (Method m : owner.getDeclaredMethods()) {
            if ((m.getName() + Descriptors.of(m)).equals(nameDesc)) return m;
        }
        throw new TransformException("fake bridge: no method " + owner.getName() + "." + nameDesc);
    }

    private static MethodHandle finiteDifferenceEntry(Method m, MethodType type) {
        try {
            MethodHandle generic = MethodHandles.lookup().findStatic(FakeBridge.class, "fdEntry",
                    MethodType.methodType(void.class, Method.class, Object[].class));
            return generic.bindTo(m).asCollector(Object[].class, type.parameterCount()).asType(type);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unused") // called through a method handle
    private static void fdEntry(Method m, Object[] all) throws Throwable {
        lastArguments = List.of(java.util.Arrays.stream(all).map(a -> a == null ? "null" : a).toArray());
        m.setAccessible(true);
        Class<?>[] types = m.getParameterTypes();
        int p = 0;
        Object receiver = Modifier.isStatic(m.getModifiers()) ? null : all[p++];
        Object[] args = new Object[types.length];
        Object[] shadows = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            args[i] = all[p++];
            if (Shadows.hasShadow(types[i])) shadows[i] = all[p++];
        }
        Object k = all[p++];
        Ctx ctx = (Ctx) all[p];
        double value = call(m, receiver, args);
        double dy = m.getReturnType() == float.class
                ? ((FloatContinuation) k).resume((float) value, ctx)
                : ((DoubleContinuation) k).resume(value, ctx);
        double[] adjoints = new double[types.length];
        for (int i = 0; i < types.length; i++) {
            if (types[i] == double.class || types[i] == float.class) adjoints[i] = dy * scalarDifference(m, receiver, args, i);
        }
        Set<Object> done = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < types.length; i++) {
            if (Shadows.isTensorArray(types[i])) continue;
            if (shadows[i] != null && done.add(args[i])) accumulate(m, receiver, args, args[i], shadows[i], dy, done);
        }
        Object[] tensorAdjoints = new Object[types.length];
        for (int i = 0; i < types.length; i++) { // tensors (ND4J is touched only when the method has tensor parameters)
            if (Shadows.isTensor(types[i]) && args[i] != null) {
                tensorAdjoints[i] = TensorFiniteDifferences.gradient(m, receiver, args, i, -1, dy);
            } else if (Shadows.isTensorArray(types[i]) && shadows[i] != null) {
                Object[] elements = (Object[]) args[i];
                Object[] shadow = (Object[]) shadows[i];
                for (int e = 0; e < elements.length; e++) {
                    if (elements[e] != null) {
                        shadow[e] = TensorFiniteDifferences.add(shadow[e], TensorFiniteDifferences.gradient(m, receiver, args, i, e, dy));
                    }
                }
            }
        }
        int register = 0; // registers are written last, just before returning (DESIGN §5)
        int tensorRegister = 0;
        for (int i = 0; i < types.length; i++) {
            if (types[i] == double.class || types[i] == float.class) ctx.d[register++] = adjoints[i];
            else if (Shadows.isTensor(types[i])) ctx.o[tensorRegister++] = tensorAdjoints[i];
        }
    }

    private static double call(Method m, Object receiver, Object[] args) throws Throwable {
        try {
            return ((Number) m.invoke(receiver, args)).doubleValue();
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static double scalarDifference(Method m, Object receiver, Object[] args, int i) throws Throwable {
        Object saved = args[i];
        double x = ((Number) saved).doubleValue();
        boolean single = saved instanceof Float || m.getReturnType() == float.class;
        double h = (single ? 1e-3 : 1e-6) * Math.max(1, Math.abs(x));
        Object plus = single ? (Object) (float) (x + h) : (Object) (x + h);
        Object minus = single ? (Object) (float) (x - h) : (Object) (x - h);
        args[i] = plus;
        double fp = call(m, receiver, args);
        args[i] = minus;
        double fm = call(m, receiver, args);
        args[i] = saved;
        return (fp - fm) / (((Number) plus).doubleValue() - ((Number) minus).doubleValue());
    }

    /** shadow[j] += dy * ∂f/∂array[j], element by element, recursing into rows. */
    private static void accumulate(Method m, Object receiver, Object[] args, Object array, Object shadow, double dy,
                                   Set<Object> done) throws Throwable {
        int n = Array.getLength(array);
        for (int j = 0; j < n; j++) {
            Object element = Array.get(array, j);
            if (element != null && element.getClass().isArray()) {
                if (done.add(element)) accumulate(m, receiver, args, element, Array.get(shadow, j), dy, done);
                continue;
            }
            boolean single = array instanceof float[];
            double x = ((Number) element).doubleValue();
            double h = (single || m.getReturnType() == float.class ? 1e-3 : 1e-6) * Math.max(1, Math.abs(x));
            set(array, j, x + h, single);
            double xp = ((Number) Array.get(array, j)).doubleValue();
            double fp = call(m, receiver, args);
            set(array, j, x - h, single);
            double xm = ((Number) Array.get(array, j)).doubleValue();
            double fm = call(m, receiver, args);
            Array.set(array, j, element);
            double d = dy * (fp - fm) / (xp - xm);
            if (single) ((float[]) shadow)[j] += (float) d;
            else ((double[]) shadow)[j] += d;
        }
    }

    private static void set(Object array, int j, double v, boolean single) {
        if (single) Array.setFloat(array, j, (float) v);
        else Array.setDouble(array, j, v);
    }
}
