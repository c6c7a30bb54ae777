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
        MethodHandle entry = Bridge.entryOf(ownerClass, method, desc);
        return new ConstantCallSite(entry.asType(type));
    }

    /**
     * Links a virtual or interface call of a differentiated method: dispatches on the receiver's
     * class at run time, like the original call, to the generated entry of the method that class
     * runs. {@code descAndMask} is {@code descriptor + "#" + activity mask}. Each receiver class is
     * resolved once per call site.
     */
    public static CallSite virtual(MethodHandles.Lookup caller, String name, MethodType type,
                                   String owner, String method, String descAndMask) throws ReflectiveOperationException {
        ClassLoader loader = caller.lookupClass().getClassLoader();
        int hash = descAndMask.indexOf('#');
        String desc = descAndMask.substring(0, hash);
        Class<?> ownerClass = Class.forName(owner, false, loader);
        Method declared = findDeclared(ownerClass, method, MethodType.fromMethodDescriptorString(desc, loader).parameterArray());
        ClassValue<MethodHandle> entries = new ClassValue<>() {
            @Override
            protected MethodHandle computeValue(Class<?> receiverClass) {
                Method impl = Dispatch.implementationFor(declared, receiverClass);
                Dispatch.requireBytecode(impl);
                return Bridge.entryOf(impl.getDeclaringClass(), method, descAndMask).asType(type);
            }
        };
        MethodHandle select = MethodHandles.lookup().findStatic(Linker.class, "select",
                MethodType.methodType(MethodHandle.class, ClassValue.class, Object.class)).bindTo(entries);
        select = select.asType(MethodType.methodType(MethodHandle.class, type.parameterType(0)));
        return new ConstantCallSite(MethodHandles.foldArguments(MethodHandles.exactInvoker(type), select));
    }

    @SuppressWarnings("unused") // called through a method handle
    private static MethodHandle select(ClassValue<MethodHandle> entries, Object receiver) {
        if (receiver == null) throw new NullPointerException("the receiver of a differentiated call is null");
        return entries.get(receiver.getClass());
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
        return new ConstantCallSite(handle.asType(type));
    }

    private static Class<?> fieldType(String desc, ClassLoader loader) {
        return MethodType.fromMethodDescriptorString("()" + desc, loader).returnType();
    }

    private static MethodType methodType(String desc, ClassLoader loader) {
        return MethodType.fromMethodDescriptorString(desc, loader);
    }
}
