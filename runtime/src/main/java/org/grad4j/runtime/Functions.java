package org.grad4j.runtime;

import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import org.grad4j.GradientException;

/**
 * Turns a function object ({@code ScalarFunction}, {@code VectorFunction}) into the method
 * whose code computes it and the arguments to call that method with (DESIGN §8, lambdas).
 *
 * <ul>
 *   <li>A lambda or method reference: its {@code writeReplace} gives a {@link SerializedLambda}
 *       naming the implementation method. Captured values come first in its parameters (for an
 *       instance method the receiver is captured value 0) and the function's own argument
 *       last.</li>
 *   <li>An object whose class implements the interface: its {@code apply}, with the object as
 *       receiver.</li>
 * </ul>
 * The function's argument must reach the implementation unchanged: a boxing or widening
 * adaptation between the interface and the implementation is refused.
 */
public final class Functions {
    private Functions() {}

    /**
     * A resolved function call.
     *
     * @param input the parameter index of the function's own argument in {@code call.method()}
     */
    public record Resolved(Call call, int input) {}

    /** Resolves {@code function} (an instance of {@code iface}, whose method is {@code apply(argType)}) applied to {@code x}. */
    public static Resolved resolve(Object function, Class<?> iface, Class<?> argType, Object x) {
        return resolve(function, iface, argType, double.class, x);
    }

    /** As {@link #resolve(Object, Class, Class, Object)}, for functions whose result type is {@code resultType}. */
    public static Resolved resolve(Object function, Class<?> iface, Class<?> argType, Class<?> resultType, Object x) {
        if (function == null) {
            throw new GradientException("grad4j: the function to differentiate is null");
        }
        Class<?> c = function.getClass();
        if (Proxy.isProxyClass(c)) {
            throw new GradientException("grad4j: the function is a java.lang.reflect.Proxy (" + c.getName()
                    + "), whose code cannot be differentiated; pass a lambda, a method reference, or an object whose class implements "
                    + iface.getSimpleName() + ".apply");
        }
        if (c.isHidden() || c.isSynthetic()) {
            LambdaPlan plan = PLANS.get(c)[0];
            if (plan != null && plan.argType() == argType && plan.resultType() == resultType) return plan.resolve(function, x);
            Resolved r = fromLambda(serializedForm(function, iface), function, iface, argType, resultType, x);
            PLANS.get(c)[0] = LambdaPlan.of(function, argType, resultType, r);
            return r;
        }
        Method apply = Dispatch.implementation(interfaceMethod(iface, argType), function);
        Dispatch.requireBytecode(apply);
        return new Resolved(new Call(apply, function, new Object[] {x}, new boolean[] {true}), 0);
    }

    /**
     * Resolves a loss of a model object: a lambda taking the model last ({@code m -> m.loss(xs)},
     * captures first), an unbound method reference on it ({@code Net::loss}, the model is the
     * receiver), or an object implementing {@link org.grad4j.ModelFunction}. The model itself is
     * no input: its {@code @Parameter} fields are.
     */
    public static Resolved resolveModel(Object function, Object model) {
        if (function == null) throw new GradientException("grad4j: the loss function is null");
        if (model == null) throw new GradientException("grad4j: the model is null");
        Class<?> c = function.getClass();
        if (!(c.isHidden() || c.isSynthetic())) {
            return resolve(function, org.grad4j.ModelFunction.class, Object.class, double.class, model);
        }
        LambdaPlan plan = PLANS.get(c)[0];
        if (plan != null && plan.argType().isInstance(model)) return plan.resolve(function, model);
        SerializedLambda sl = serializedForm(function, org.grad4j.ModelFunction.class);
        String what = "the loss's implementation " + sl.getImplClass().replace('/', '.') + "." + sl.getImplMethodName()
                + sl.getImplMethodSignature();
        ClassLoader loader = c.getClassLoader();
        Class<?> implClass = implClass(sl, loader, what);
        MethodType implType = implType(sl, loader, what);
        boolean instance = sl.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic;
        if (instance && sl.getCapturedArgCount() == 0) { // Net::loss: the model is the receiver
            if (!implClass.isInstance(model)) {
                throw new GradientException("grad4j: " + what + " is a method of " + implClass.getName()
                        + ", but the model is a " + model.getClass().getName());
            }
            Method impl = Dispatch.implementation(find(implClass, sl.getImplMethodName(), implType, what), model);
            Dispatch.requireBytecode(impl);
            return new Resolved(new Call(impl, model, new Object[0], new boolean[0]), -1);
        }
        Class<?> argType = implType.parameterType(implType.parameterCount() - 1);
        String instantiated = sl.getInstantiatedMethodType();
        Class<?> declared = MethodType.fromMethodDescriptorString(instantiated, loader).parameterType(0);
        Class<?> modelType = declared == argType ? argType : declared;
        Resolved r = fromLambda(sl, function, org.grad4j.ModelFunction.class, modelType, double.class, model);
        PLANS.get(c)[0] = LambdaPlan.of(function, modelType, double.class, r);
        return r;
    }

    /**
     * Per lambda class, what resolving its first instance found, when its implementation is a
     * static method: the next instances only need their captured values, read from their fields
     * (reading the {@code SerializedLambda} through reflection costs about a microsecond per call).
     */
    private static final ClassValue<LambdaPlan[]> PLANS = new ClassValue<>() {
        @Override
        protected LambdaPlan[] computeValue(Class<?> type) {
            return new LambdaPlan[1];
        }
    };

    private record LambdaPlan(Class<?> argType, Class<?> resultType, Method impl, Field[] captures) {
        /**
         * The plan behind {@code first}, the resolution of {@code lambda}; null when it cannot be
         * replayed from the lambda's fields (an instance method, fields not in capture order).
         */
        static LambdaPlan of(Object lambda, Class<?> argType, Class<?> resultType, Resolved first) {
            Call call = first.call();
            Object[] args = call.args();
            if (!call.isStatic() || first.input() != args.length - 1) return null;
            java.util.List<Field> fields = LambdaCaptures.fieldsOf(lambda.getClass());
            if (fields.size() != args.length - 1) return null;
            try {
                for (int i = 0; i < fields.size(); i++) {
                    fields.get(i).setAccessible(true);
                    Object captured = fields.get(i).get(lambda);
                    boolean same = fields.get(i).getType().isPrimitive() ? captured.equals(args[i]) : captured == args[i];
                    if (!same) return null;
                }
            } catch (RuntimeException | IllegalAccessException e) {
                return null; // e.g. a lambda in a module that does not open its package: resolve it each time
            }
            return new LambdaPlan(argType, resultType, call.method(), fields.toArray(new Field[0]));
        }

        Resolved resolve(Object lambda, Object x) {
            int n = captures.length + 1;
            Object[] args = new Object[n];
            try {
                for (int i = 0; i < captures.length; i++) args[i] = captures[i].get(lambda);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e); // setAccessible succeeded when the plan was made
            }
            args[n - 1] = x;
            return new Resolved(new Call(impl, null, args, differentiated(args, argType, x)), n - 1);
        }
    }

    /**
     * What a serializable lambda object runs, as {owner binary name, method, descriptor,
     * "static"|"virtual"}; null for another object, a constructor reference, or one that cannot be read.
     */
    static String[] implementationIfSerializable(Object lambda) {
        if (lambda == null) return null;
        try {
            Method writeReplace = lambda.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            if (!(writeReplace.invoke(lambda) instanceof SerializedLambda sl)) return null;
            int kind = sl.getImplMethodKind();
            if (kind == MethodHandleInfo.REF_newInvokeSpecial) return null;
            return new String[] {sl.getImplClass().replace('/', '.'), sl.getImplMethodName(), sl.getImplMethodSignature(),
                    kind == MethodHandleInfo.REF_invokeStatic ? "static" : "virtual"};
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // not serializable, or not readable here: the lambda sites are searched instead
        }
    }

    private static SerializedLambda serializedForm(Object lambda, Class<?> iface) {
        Class<?> c = lambda.getClass();
        Method writeReplace;
        try {
            writeReplace = c.getDeclaredMethod("writeReplace");
        } catch (NoSuchMethodException e) {
            throw new GradientException("grad4j: the function " + c.getName() + " is a lambda that is not serializable, "
                    + "so grad4j cannot find its code. Write it as a lambda or method reference whose target type is "
                    + iface.getName() + " (which is Serializable), not another functional interface.");
        }
        try {
            writeReplace.setAccessible(true);
            Object form = writeReplace.invoke(lambda);
            if (form instanceof SerializedLambda sl) return sl;
            throw new GradientException("grad4j: the function " + c.getName() + " is not a lambda grad4j can read: its "
                    + "writeReplace returned " + (form == null ? "null" : form.getClass().getName()));
        } catch (RuntimeException | IllegalAccessException e) {
            throw new GradientException("grad4j: cannot read the lambda " + c.getName() + " (" + e + "). If its class is "
                    + "in a named module, open its package to grad4j (" + opensTo(c) + ").", e);
        } catch (InvocationTargetException e) {
            throw new GradientException("grad4j: reading the lambda " + c.getName() + " failed", e.getCause());
        }
    }

    private static Resolved fromLambda(SerializedLambda sl, Object lambda, Class<?> iface, Class<?> argType,
                                       Class<?> resultType, Object x) {
        String what = "the lambda's implementation " + sl.getImplClass().replace('/', '.') + "." + sl.getImplMethodName()
                + sl.getImplMethodSignature();
        int kind = sl.getImplMethodKind();
        if (kind == MethodHandleInfo.REF_newInvokeSpecial) {
            throw new GradientException("grad4j: " + what + " is a constructor reference, which computes no "
                    + argType.getSimpleName() + "; pass a function returning double");
        }
        String expected = MethodType.methodType(resultType, argType).toMethodDescriptorString();
        if (!expected.equals(sl.getInstantiatedMethodType())) {
            throw new GradientException("grad4j: the function implements " + sl.getFunctionalInterfaceClass().replace('/', '.')
                    + " with type " + sl.getInstantiatedMethodType() + ", but " + iface.getSimpleName() + " needs " + expected);
        }
        ClassLoader loader = lambda.getClass().getClassLoader();
        Class<?> implClass = implClass(sl, loader, what);
        MethodType implType = implType(sl, loader, what);
        Object[] captured = capturedArgs(sl);
        boolean instance = kind != MethodHandleInfo.REF_invokeStatic;
        if (instance && captured.length == 0) {
            throw new GradientException("grad4j: " + what + " is an instance method called on the function's argument "
                    + "(an unbound method reference such as Double::doubleValue), which needs boxing; write a function on "
                    + argType.getSimpleName() + " instead");
        }
        Object receiver = instance ? captured[0] : null;
        Object[] leading = instance ? Arrays.copyOfRange(captured, 1, captured.length) : captured;
        int n = implType.parameterCount();
        if (n != leading.length + 1 || implType.parameterType(n - 1) != argType
                || (resultType == double.class
                        ? implType.returnType() != double.class && implType.returnType() != float.class
                        : implType.returnType() != resultType)) {
            throw new GradientException("grad4j: " + what + " does not take the function's " + argType.getSimpleName()
                    + " as its last parameter and return double or float, so Java adapts the call (boxing, widening or "
                    + "unboxing) and grad4j would differentiate through that adaptation; write the function so that its "
                    + "implementation takes " + argType.getSimpleName() + " and returns double, e.g. x -> f(x)");
        }
        Class<?> standIn = MathReferences.standInClass(implClass.getName(), sl.getImplMethodName(), sl.getImplMethodSignature());
        if (standIn != null) implClass = standIn; // AD.derivative(Math::sin, x) runs as x -> Math.sin(x)
        Method impl = find(implClass, sl.getImplMethodName(), implType, what);
        if (instance && impl.getDeclaringClass() == iface && impl.getName().equals("apply") && leading.length == 0) {
            return resolve(receiver, iface, argType, resultType, x); // f::apply on another function: differentiate that one
        }
        if (instance && !impl.getDeclaringClass().isInstance(receiver)) {
            throw new GradientException("grad4j: the captured receiver of " + what + " is a "
                    + (receiver == null ? "null" : receiver.getClass().getName()));
        }
        if (instance && kind != MethodHandleInfo.REF_invokeSpecial) impl = Dispatch.implementation(impl, receiver);
        Dispatch.requireBytecode(impl);
        Object[] args = Arrays.copyOf(leading, n);
        args[n - 1] = x;
        return new Resolved(new Call(impl, instance ? receiver : null, args, differentiated(args, argType, x)), n - 1);
    }

    /**
     * The input (the last argument); captures are data. A captured array or tensor that is the input
     * itself is refused: as a constant it would alias the differentiated array (a write through one
     * name changes the other, untracked), its uses silently without derivative ({@code v -> mse(v) +
     * lambda * w.mul(w)...} at {@code w}), and as the input it would silently turn a constant the code
     * names apart — PPO's {@code old = theta}, not yet copied — into a second use of the input.
     */
    private static boolean[] differentiated(Object[] args, Class<?> argType, Object x) {
        boolean[] differentiated = new boolean[args.length];
        for (int i = 0; i < args.length; i++) {
            differentiated[i] = i == args.length - 1;
            boolean tensor = Shadows.isTensor(argType);
            if (!differentiated[i] && (argType.isArray() || tensor) && x != null && holdsPoint(args[i], x, tensor, 0)) {
                throw new GradientException("grad4j: the function captures the " + (tensor ? "tensor" : "array") + " it is "
                        + "differentiated at (captured value " + i + (args[i] == x ? " is" : " holds") + " the same "
                        + (tensor ? "INDArray" : x.getClass().getSimpleName()) + " object as the point"
                        + (tensor && args[i] != x ? ", or a view of it: reshape, get, getRow, transpose" : "") + "): captured values "
                        + "are constants, and this one is also the input, so its uses there would silently get no "
                        + "derivative. Read it through the function's argument to differentiate it (a weight penalty: "
                        + "v -> loss(v) + lambda * v.mul(v).sumNumber().doubleValue()), or capture a copy ("
                        + (tensor ? "w.dup()" : "x.clone()") + ") to keep it constant.");
            }
        }
        return differentiated;
    }

    /**
     * Whether {@code captured} is the point or an array that holds it (a row of a captured matrix,
     * two levels deep); for a tensor point, a view of it too ({@code w.reshape(1, n)}). An object whose field holds the point is not searched: a solver's state
     * object that keeps its current point while the function reads only data is common, and
     * refusing it would refuse correct code.
     */
    private static boolean holdsPoint(Object captured, Object x, boolean tensor, int depth) {
        if (captured == x || tensor && org.grad4j.tensor.TensorMemory.overlap(captured, x)) return true;
        if (!(captured instanceof Object[] items) || depth >= 2) return false;
        for (Object item : items) if (holdsPoint(item, x, tensor, depth + 1)) return true;
        return false;
    }

    private static Class<?> implClass(SerializedLambda sl, ClassLoader loader, String what) {
        try {
            return Class.forName(sl.getImplClass().replace('/', '.'), false, loader);
        } catch (ClassNotFoundException e) {
            throw new GradientException("grad4j: cannot load " + what + " from the lambda's class loader", e);
        }
    }

    private static MethodType implType(SerializedLambda sl, ClassLoader loader, String what) {
        try {
            return MethodType.fromMethodDescriptorString(sl.getImplMethodSignature(), loader);
        } catch (TypeNotPresentException e) {
            throw new GradientException("grad4j: cannot load " + what + " from the lambda's class loader", e);
        }
    }

    private static Object[] capturedArgs(SerializedLambda sl) {
        Object[] captured = new Object[sl.getCapturedArgCount()];
        for (int i = 0; i < captured.length; i++) captured[i] = sl.getCapturedArg(i);
        return captured;
    }

    /** The method named by a SerializedLambda: declared in implClass or inherited by it. */
    private static Method find(Class<?> implClass, String name, MethodType type, String what) {
        Class<?>[] params = type.parameterArray();
        for (Class<?> k = implClass; k != null; k = k.getSuperclass()) {
            try {
                return k.getDeclaredMethod(name, params);
            } catch (NoSuchMethodException e) {
                // inherited: look further up
            }
        }
        try {
            return implClass.getMethod(name, params); // interface methods
        } catch (NoSuchMethodException e) {
            throw new GradientException("grad4j: cannot find " + what, e);
        }
    }

    private static Method interfaceMethod(Class<?> iface, Class<?> argType) {
        try {
            return iface.getMethod("apply", argType);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(iface + " has no apply(" + argType + ")", e);
        }
    }

    /** The directive that opens {@code c}'s package to the module grad4j's runtime is in (its name as loaded, not as assumed). */
    static String opensTo(Class<?> c) {
        Module runtime = Functions.class.getModule();
        String target = runtime.isNamed() ? runtime.getName() : "ALL-UNNAMED";
        return c.getModule().isNamed()
                ? "'opens " + c.getPackageName() + " to " + target + ";' in module " + c.getModule().getName()
                        + "'s module-info.java, or --add-opens " + c.getModule().getName() + "/" + c.getPackageName() + "=" + target
                : "opens ... to " + target + ", or --add-opens";
    }
}
