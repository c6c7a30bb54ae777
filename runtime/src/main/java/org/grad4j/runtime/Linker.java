package org.grad4j.runtime;

import java.lang.invoke.CallSite;
import java.lang.invoke.ConstantCallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import org.grad4j.GradientException;

/**
 * {@code invokedynamic} bootstraps used by generated code.
 *
 * <p>Generated classes are ordinary classes in the host's package (so their frames show in
 * stack traces), which cannot reach the host's private members directly; {@link #member}
 * links such accesses through this runtime's full-access lookup. {@link #differentiable}
 * links a call of one differentiable method to another lazily, at first execution, so that
 * mutually recursive methods in different classes are generated one at a time.
 */
public final class Linker {
    private Linker() {}

    /**
     * Links to the generated entry of {@code owner.method desc}; {@code owner} is a binary
     * class name resolved in the caller's loader.
     */
    public static CallSite differentiable(MethodHandles.Lookup caller, String name, MethodType type,
                                          String owner, String method, String desc) throws ReflectiveOperationException {
        Class<?> ownerClass = Class.forName(owner, false, caller.lookupClass().getClassLoader());
        MethodHandle entry;
        try {
            entry = Bridge.entryOf(ownerClass, method, desc);
        } catch (org.grad4j.TransformException | GradientException refused) {
            // thrown where the call runs, every time: out of a bootstrap the JVM would wrap it in a
            // BootstrapMethodError, which a catch of TransformException misses, and lose it on a retry
            MethodHandle thrower = MethodHandles.throwException(type.returnType(), refused.getClass()).bindTo(refused);
            return new ConstantCallSite(MethodHandles.dropArguments(thrower, 0, type.parameterList()));
        }
        return new ConstantCallSite(entry.asType(type));
    }

    /**
     * Links a virtual or interface call of a differentiated method: dispatches on the receiver's
     * class at run time, like the original call, to the generated entry of the method that class
     * runs. {@code descAndMask} is {@code descriptor + "#" + activity mask}; {@code site} says
     * where the call is in the program ({@code Main.f (Main.java:9)}), for messages. Each receiver
     * class is resolved once per call site.
     */
    public static CallSite virtual(MethodHandles.Lookup caller, String name, MethodType type,
                                   String owner, String method, String descAndMask, String site)
            throws ReflectiveOperationException {
        ClassLoader loader = caller.lookupClass().getClassLoader();
        int hash = descAndMask.indexOf('#');
        String desc = descAndMask.substring(0, hash);
        Class<?> ownerClass = Class.forName(owner, false, loader);
        Method declared = findDeclared(ownerClass, method, MethodType.fromMethodDescriptorString(desc, loader).parameterArray());
        ClassValue<MethodHandle> entries = new ClassValue<>() {
            @Override
            protected MethodHandle computeValue(Class<?> receiverClass) {
                Method impl = Dispatch.implementationFor(declared, receiverClass);
                // a lambda runs its own code only for the method it implements: a default method it
                // inherits (slope() calling value()) runs the interface's body, the lambda its receiver
                boolean inherited = impl.isDefault() && impl.getDeclaringClass() != receiverClass;
                if (receiverClass.isHidden() && !inherited) return lambdaEntry(receiverClass, declared, descAndMask, type, site);
                Dispatch.requireBytecode(impl);
                return Bridge.entryOf(impl.getDeclaringClass(), method, descAndMask).asType(type);
            }
        };
        MethodHandle select = MethodHandles.lookup().findStatic(Linker.class, "select",
                MethodType.methodType(MethodHandle.class, ClassValue.class, Object.class)).bindTo(entries);
        select = select.asType(MethodType.methodType(MethodHandle.class, type.parameterType(0)));
        return new ConstantCallSite(MethodHandles.foldArguments(MethodHandles.exactInvoker(type), select));
    }

    /** Per lambda class, the implementation a call on one of its objects was linked to (found, probed or named). */
    private static final ClassValue<java.util.concurrent.atomic.AtomicReference<String[]>> RESOLVED = new ClassValue<>() {
        @Override
        protected java.util.concurrent.atomic.AtomicReference<String[]> computeValue(Class<?> lambda) {
            return new java.util.concurrent.atomic.AtomicReference<>();
        }
    };

    /** The implementation a call on a lambda of this class was linked to, {owner, name, descriptor, kind, …}; null before. */
    static String[] resolvedImplementation(Class<?> lambda) {
        return RESOLVED.get(lambda).get();
    }

    /**
     * A call on a lambda object: its implementation method with the lambda's captured values
     * first, read from the lambda object's fields. A serializable lambda names its implementation
     * ({@code writeReplace}); another is looked up among the lambda sites of the class that made
     * it (found by the agent), the look-alikes told apart by {@link LambdaProbe} or refused.
     */
    private static MethodHandle lambdaEntry(Class<?> lambda, Method declared, String descAndMask, MethodType type, String site) {
        String call = declared.getDeclaringClass().getSimpleName() + "." + declared.getName();
        String where = "grad4j cannot differentiate the call of " + call + " at " + site + ": its receiver is ";
        // the interface its lambda site made it for: a sub-interface (Scaled extends DoubleUnaryOperator)
        // narrows the look-alikes to that interface's sites
        Class<?> made = lambda.getInterfaces()[0];
        Class<?> iface = declared.getDeclaringClass().isInterface() && !declared.getDeclaringClass().isAssignableFrom(made)
                ? declared.getDeclaringClass() : made;
        String[] impl = Functions.implementationIfSerializable(RECEIVER.get());
        if (impl == null) {
            String[][] candidates = Bridge.lambdaImplementations(lambda, iface.getName().replace('.', '/'));
            java.util.List<String[]> agreeing = candidates == null ? java.util.List.of()
                    : LambdaProbe.agreeing(lambda, declared, candidates, RECEIVER.get());
            if (agreeing.size() > 1) throw new GradientException(where + indistinguishable(lambda, iface, agreeing));
            impl = agreeing.isEmpty() ? null : agreeing.get(0);
            if (impl == null && isJdk(creatorOf(lambda))) {
                throw new GradientException(where + "a lambda made inside the JDK (by " + creatorOf(lambda) + ", e.g. its "
                        + "andThen or compose), whose code grad4j does not differentiate. Compose the functions in a "
                        + "lambda or method of your own, e.g. z -> outer(inner(z)).");
            }
            if (impl == null) {
                throw new GradientException(where + "a lambda made in " + creatorOf(lambda) + ", which has "
                        + (candidates == null || candidates.length == 0 ? "no lambda site of " + iface.getSimpleName()
                                : candidates.length + " look-alike lambdas of " + iface.getSimpleName() + " that grad4j could not tell apart")
                        + ". Give it an interface of your own that extends java.io.Serializable (grad4j then reads which "
                        + "method the lambda runs), or use a named class implementing " + iface.getSimpleName() + ".");
            }
        }
        RESOLVED.get(lambda).set(impl);
        String[] standIn = MathReferences.standIn(impl[0], impl[1], impl[2]);
        if (standIn != null) impl = standIn; // Math::tanh runs as z -> Math.tanh(z)
        if (isJdk(impl[0])) {
            throw new GradientException(where + "a method reference to " + impl[0] + "." + impl[1] + ", a JDK method, "
                    + "whose code grad4j does not differentiate. Write it as a lambda that calls the method, e.g. "
                    + lambdaCalling(impl[0].substring(impl[0].lastIndexOf('.') + 1) + "." + impl[1], impl[2])
                    + ": grad4j has rules for Math's methods.");
        }
        String what = "the lambda " + lambda.getName() + " (called as " + call + " at " + site + ")";
        try {
            ClassLoader loader = lambda.getClassLoader();
            Class<?> owner = Class.forName(impl[0], false, loader);
            MethodType implType = MethodType.fromMethodDescriptorString(impl[2], loader);
            java.util.List<java.lang.reflect.Field> fields = LambdaCaptures.fieldsOf(lambda);
            int hash = descAndMask.indexOf('#');
            String mask = descAndMask.substring(hash + 1);
            String outermost = mask.endsWith(Bridge.OUTERMOST) ? Bridge.OUTERMOST : ""; // kept for the implementation
            String samBits = mask.substring(0, mask.length() - outermost.length()).replace("@", "");
            int implDeclared = implType.parameterCount();
            // A lambda object that holds model parameters or the point (the call marks it '@') hands
            // what it captured to its code: captured objects are holders there too, so that calls on
            // them are differentiated (() -> net.penalty() reading net.w); other captures are data.
            boolean holds = mask.startsWith("@");
            boolean instanceImpl = !"static".equals(impl[3]);
            int capturedDeclared = Math.max(0, implDeclared - samBits.length());
            StringBuilder capturedBits = new StringBuilder(instanceImpl && holds && !fields.isEmpty()
                    && mayHold(fields.get(0).getType()) ? "@" : "");
            for (int i = 0; i < capturedDeclared; i++) {
                int f = i + (instanceImpl ? 1 : 0);
                capturedBits.append(holds && f < fields.size() && mayHold(fields.get(f).getType()) ? '1' : '0');
            }
            String implMask = capturedBits + samBits + outermost;
            MethodHandle entry = Bridge.entryOf(owner, impl[1], impl[2] + "#" + implMask);
            // captured arrays are data: their shadow parameters get null
            java.util.List<Integer> shadows = new java.util.ArrayList<>();
            for (int i = 0, p = 0; i < fields.size(); i++, p++) {
                if (Shadows.hasShadow(entry.type().parameterType(p))) {
                    shadows.add(++p);
                }
            }
            for (int k = shadows.size() - 1; k >= 0; k--) entry = MethodHandles.insertArguments(entry, shadows.get(k), (Object) null);
            MethodHandles.Lookup access = MethodHandles.privateLookupIn(lambda, MethodHandles.lookup());
            MethodHandle adapted;
            if (fields.isEmpty()) {
                adapted = MethodHandles.dropArguments(entry, 0, lambda);
            } else {
                MethodHandle[] getters = new MethodHandle[fields.size()];
                for (int i = 0; i < getters.length; i++) {
                    fields.get(i).setAccessible(true);
                    getters[i] = access.unreflectGetter(fields.get(i));
                    getters[i] = getters[i].asType(getters[i].type().changeReturnType(entry.type().parameterType(i)));
                }
                MethodHandle filtered = MethodHandles.filterArguments(entry, 0, getters);
                MethodType collapsed = filtered.type().dropParameterTypes(0, getters.length).insertParameterTypes(0, lambda);
                int[] order = new int[filtered.type().parameterCount()];
                for (int i = 0; i < order.length; i++) order[i] = i < getters.length ? 0 : i - getters.length + 1;
                adapted = MethodHandles.permuteArguments(filtered, collapsed, order);
            }
            adapted = checkingCapturedArrays(adapted, fields, access, "the call of " + call + " at " + site
                    + ": an array captured by the lambda " + impl[0] + "." + impl[1] + " it runs");
            return afterwardsShiftRegisters(adapted, fields, declared).asType(type);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (e instanceof org.grad4j.TransformException te) throw te;
            if (e instanceof GradientException ge) throw ge;
            throw new GradientException("grad4j: cannot differentiate through " + what + " (implemented by " + impl[0] + "."
                    + impl[1] + impl[2] + "): " + e + ". Use a named class implementing the interface.", e);
        }
    }

    /** Whether a captured value of this type may hold parameters or the point: an object, not a value or an array. */
    private static boolean mayHold(Class<?> t) {
        return !t.isPrimitive() && !t.isArray() && t != String.class && !Number.class.isAssignableFrom(t)
                && t != Boolean.class && t != Character.class && !Shadows.isTensor(t);
    }

    /**
     * Captured arrays reach the implementation as data (null shadows). One that is an array the
     * gradient is taken at ({@code DoubleSupplier s = () -> w[0] * w[0]} with the gradient at
     * {@code w}) would silently get no derivative there: {@link Ctx#checkData} refuses it, before
     * each call (the same lambda object may be used by gradients at other points).
     */
    private static MethodHandle checkingCapturedArrays(MethodHandle adapted, java.util.List<java.lang.reflect.Field> captured,
                                                       MethodHandles.Lookup access, String where)
            throws ReflectiveOperationException {
        java.util.List<MethodHandle> arrays = new java.util.ArrayList<>();
        for (java.lang.reflect.Field f : captured) {
            if (Shadows.isDifferentiableArray(f.getType())) {
                MethodHandle g = access.unreflectGetter(f);
                arrays.add(g.asType(g.type().changeParameterType(0, Object.class).changeReturnType(Object.class)));
            }
        }
        if (arrays.isEmpty()) return adapted;
        MethodType t = adapted.type();
        MethodHandle check = MethodHandles.insertArguments(MethodHandles.lookup().findStatic(Linker.class, "checkCaptured",
                MethodType.methodType(void.class, MethodHandle[].class, String.class, Object.class, Ctx.class)),
                0, arrays.toArray(new MethodHandle[0]), where);
        // (lambda, arguments..., k, ctx) -> check(lambda, ctx), run before adapted
        check = check.asType(MethodType.methodType(void.class, t.parameterType(0), Ctx.class));
        check = MethodHandles.dropArguments(check, 1, t.parameterList().subList(1, t.parameterCount() - 1));
        return MethodHandles.foldArguments(adapted, check);
    }

    @SuppressWarnings("unused") // called through a method handle
    private static void checkCaptured(MethodHandle[] arrays, String where, Object lambda, Ctx ctx) throws Throwable {
        for (MethodHandle g : arrays) ctx.checkData(g.invoke(lambda), where);
    }

    /**
     * The implementation hands back its scalar and tensor parameters' adjoints in registers by
     * position (see {@link Bridge}), captured values first; the call site reads the interface
     * method's own parameters from register 0 on. With a captured {@code double} ({@code z ->
     * scale * z * z}) the argument's adjoint sat in register 1 and the caller read the capture's
     * (0): a zero gradient. So after the implementation returns, its registers move down past
     * the captured ones.
     */
    private static MethodHandle afterwardsShiftRegisters(MethodHandle adapted, java.util.List<java.lang.reflect.Field> captured,
                                                         Method declared) throws ReflectiveOperationException {
        int scalars = 0, tensors = 0;
        for (java.lang.reflect.Field f : captured) {
            if (Shadows.hasScalarRegister(f.getType())) scalars++;
            else if (Shadows.isTensor(f.getType())) tensors++;
        }
        if (scalars == 0 && tensors == 0) return adapted;
        int ownScalars = 0, ownTensors = 0;
        for (Class<?> p : declared.getParameterTypes()) {
            if (Shadows.hasScalarRegister(p)) ownScalars++;
            else if (Shadows.isTensor(p)) ownTensors++;
        }
        MethodType t = adapted.type();
        MethodHandle shift = MethodHandles.insertArguments(MethodHandles.lookup().findStatic(Linker.class, "shiftRegisters",
                MethodType.methodType(void.class, Ctx.class, int.class, int.class, int.class, int.class)),
                1, scalars, ownScalars, tensors, ownTensors);
        // (lambda, arguments..., k, ctx) -> shift(ctx), run after adapted: foldArguments runs its combiner first
        MethodHandle after = MethodHandles.dropArguments(shift, 0, t.parameterList().subList(0, t.parameterCount() - 1));
        return MethodHandles.foldArguments(after, adapted);
    }

    @SuppressWarnings("unused") // called through a method handle
    private static void shiftRegisters(Ctx ctx, int scalarsBy, int scalars, int tensorsBy, int tensors) {
        System.arraycopy(ctx.d, scalarsBy, ctx.d, 0, scalars);
        System.arraycopy(ctx.o, tensorsBy, ctx.o, 0, tensors);
    }

    /**
     * Two or more lambda sites that compute the same numbers at every probe point: running either
     * might be a wrong gradient (two activations that differ only beyond a threshold), so none is
     * chosen.
     */
    private static String indistinguishable(Class<?> lambda, Class<?> iface, java.util.List<String[]> agreeing) {
        StringBuilder sites = new StringBuilder();
        for (String[] c : agreeing) {
            if (sites.length() > 0) sites.append(", ");
            sites.append(c[1]);
            if (c.length > 4 && !c[4].isEmpty()) sites.append(" (line ").append(c[4]).append(')');
        }
        return "a lambda made in " + creatorOf(lambda) + ", which has " + agreeing.size() + " look-alike lambdas of "
                + iface.getSimpleName() + " (" + sites + ") that compute the same numbers at every point grad4j probed, "
                + "so grad4j cannot tell which one this is and will not guess. Give them an interface of your own that "
                + "extends java.io.Serializable (interface Act extends " + iface.getSimpleName() + ", Serializable {}: "
                + "grad4j then reads which method the lambda runs), or use named classes implementing "
                + iface.getSimpleName() + ".";
    }

    /** {@code Main} for {@code Main$$Lambda$15/0x…}: the class whose lambda site made it. */
    private static String creatorOf(Class<?> lambda) {
        String n = lambda.getName();
        int cut = n.indexOf("$$Lambda");
        return cut < 0 ? n : n.substring(0, cut);
    }

    private static boolean isJdk(String binaryName) {
        return binaryName.startsWith("java.") || binaryName.startsWith("javax.") || binaryName.startsWith("jdk.");
    }

    /** The receiver whose class is being linked, for {@link LambdaProbe} (a lambda is probed on its own captures). */
    private static final ThreadLocal<Object> RECEIVER = new ThreadLocal<>();

    @SuppressWarnings("unused") // called through a method handle
    private static MethodHandle select(ClassValue<MethodHandle> entries, Object receiver) {
        if (receiver == null) throw new NullPointerException("the receiver of a differentiated call is null");
        Class<?> c = receiver.getClass();
        if (!c.isHidden()) return entries.get(c);
        RECEIVER.set(receiver);
        try {
            return entries.get(c);
        } finally {
            RECEIVER.remove();
        }
    }

    private static Method findDeclared(Class<?> owner, String name, Class<?>[] params) throws NoSuchMethodException {
        for (Class<?> k = owner; k != null; k = k.getSuperclass()) {
            try {
                return k.getDeclaredMethod(name, params);
            } catch (NoSuchMethodException e) {
                // inherited: keep looking
            }
        }
        return owner.getMethod(name, params); // an interface method
    }

    /**
     * Links an access to a (possibly private) member: {@code refKind} is a
     * {@link MethodHandleInfo} {@code REF_*} constant; the call site's type is the access's
     * stack effect (receiver first for instance members).
     */
    public static CallSite member(MethodHandles.Lookup caller, String name, MethodType type,
                                  int refKind, String owner, String member, String desc)
            throws ReflectiveOperationException {
        ClassLoader loader = caller.lookupClass().getClassLoader();
        Class<?> ownerClass = Class.forName(owner, false, loader);
        MethodHandles.Lookup full = MethodHandles.privateLookupIn(ownerClass, MethodHandles.lookup());
        return new ConstantCallSite(handle(full, refKind, ownerClass, member, desc).asType(type));
    }

    /**
     * Links an {@code invokedynamic} of the program whose bootstrap arguments name its private
     * members (a lambda's body, a private method reference, a record's fields): the original
     * bootstrap, called with full access to {@code encoded[0]}, the class that declares them, as
     * if the site were still in that class (a lambda made here is that class's nestmate).
     *
     * <p>{@code encoded}: that class's binary name; the bootstrap as {@code tag, owner, name,
     * descriptor}; then per argument {@code 1} and a handle's four parts, or {@code 0} and the
     * constant itself.
     */
    public static CallSite hosted(MethodHandles.Lookup caller, String name, MethodType type, Object... encoded)
            throws Throwable {
        ClassLoader loader = caller.lookupClass().getClassLoader();
        Class<?> home = Class.forName((String) encoded[0], false, loader);
        // LambdaMetafactory wants full privilege (module access too), which a lookup from grad4j's own module
        // into a class of another (a program loaded by a loader of its own) lacks; the generated caller is in home's
        MethodHandles.Lookup full = MethodHandles.privateLookupIn(home,
                caller.lookupClass().getModule() == home.getModule() ? caller : MethodHandles.lookup());
        MethodHandle bootstrap = handle(full, encoded, 1, loader);
        java.util.List<Object> args = new java.util.ArrayList<>(java.util.List.of(full, name, type));
        for (int k = 5; k < encoded.length; ) {
            if ((Integer) encoded[k++] == 1) {
                args.add(handle(full, encoded, k, loader));
                k += 4;
            } else {
                args.add(encoded[k++]);
            }
        }
        return (CallSite) bootstrap.invokeWithArguments(args);
    }

    private static MethodHandle handle(MethodHandles.Lookup full, Object[] parts, int at, ClassLoader loader)
            throws ReflectiveOperationException {
        Class<?> owner = Class.forName((String) parts[at + 1], false, loader);
        int kind = (Integer) parts[at];
        try {
            return handle(full, kind, owner, (String) parts[at + 2], (String) parts[at + 3]);
        } catch (IllegalAccessException e) { // a private member of another class of the program (a nestmate's is reachable)
            return handle(MethodHandles.privateLookupIn(owner, MethodHandles.lookup()), kind, owner,
                    (String) parts[at + 2], (String) parts[at + 3]);
        }
    }

    /** What a {@code CONSTANT_MethodHandle} of kind {@code refKind} resolves to, with {@code full}'s access. */
    private static MethodHandle handle(MethodHandles.Lookup full, int refKind, Class<?> ownerClass, String member, String desc)
            throws ReflectiveOperationException {
        ClassLoader loader = ownerClass.getClassLoader();
        MethodHandle handle;
        switch (refKind) {
            case MethodHandleInfo.REF_getField -> handle = full.findGetter(ownerClass, member, fieldType(desc, loader));
            case MethodHandleInfo.REF_getStatic -> handle = full.findStaticGetter(ownerClass, member, fieldType(desc, loader));
            case MethodHandleInfo.REF_putField -> handle = full.findSetter(ownerClass, member, fieldType(desc, loader));
            case MethodHandleInfo.REF_putStatic -> handle = full.findStaticSetter(ownerClass, member, fieldType(desc, loader));
            case MethodHandleInfo.REF_invokeStatic -> handle = full.findStatic(ownerClass, member, methodType(desc, loader));
            case MethodHandleInfo.REF_invokeVirtual, MethodHandleInfo.REF_invokeInterface ->
                    handle = full.findVirtual(ownerClass, member, methodType(desc, loader));
            case MethodHandleInfo.REF_invokeSpecial ->
                    handle = full.findSpecial(ownerClass, member, methodType(desc, loader), ownerClass);
            case MethodHandleInfo.REF_newInvokeSpecial ->
                    handle = full.findConstructor(ownerClass, methodType(desc, loader));
            default -> throw new GradientException("grad4j internal error: unknown member kind " + refKind);
        }
        return handle;
    }

    private static Class<?> fieldType(String desc, ClassLoader loader) {
        return MethodType.fromMethodDescriptorString("()" + desc, loader).returnType();
    }

    private static MethodType methodType(String desc, ClassLoader loader) {
        return MethodType.fromMethodDescriptorString(desc, loader);
    }

    /** {@code z -> Math.tanh(z)}, {@code (a, b) -> Math.hypot(a, b)}: a lambda with the method's arity calling it. */
    static String lambdaCalling(String method, String descriptor) {
        int n = 0; // parameters in the descriptor, counted without loading their classes
        for (int i = 1; descriptor.charAt(i) != ')'; i++, n++) {
            while (descriptor.charAt(i) == '[') i++;
            if (descriptor.charAt(i) == 'L') i = descriptor.indexOf(';', i);
        }
        if (n == 1) return "z -> " + method + "(z)";
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < n; i++) names.append(i == 0 ? "" : ", ").append((char) ('a' + i));
        return "(" + names + ") -> " + method + "(" + names + ")";
    }
}
