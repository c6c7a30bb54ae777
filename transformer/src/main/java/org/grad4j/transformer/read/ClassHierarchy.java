package org.grad4j.transformer.read;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.grad4j.transformer.ClassFileLocator;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;

/**
 * Super classes and interfaces read from class-file bytes, never from {@code Class.forName}:
 * the transformer may run where loading a class would be wrong (another loader, or while the
 * class is being defined). Unknown classes are treated as direct subclasses of Object.
 */
public final class ClassHierarchy {
    private static final Header UNKNOWN = new Header("java/lang/Object", List.of(), false);

    private final ClassFileLocator locator;
    private final Map<String, Header> headers = new ConcurrentHashMap<>();

    public ClassHierarchy(ClassFileLocator locator) {
        this.locator = locator;
    }

    record Header(String superName, List<String> interfaces, boolean isInterface) {}

    private Header header(String internalName) {
        return headers.computeIfAbsent(internalName, n -> {
            if (n.equals("java/lang/Object")) return new Header(null, List.of(), false);
            byte[] bytes = locator.bytesOf(n);
            if (bytes == null) return UNKNOWN;
            try {
                ClassReader r = new ClassReader(bytes);
                return new Header(r.getSuperName(), List.of(r.getInterfaces()), (r.getAccess() & Opcodes.ACC_INTERFACE) != 0);
            } catch (RuntimeException e) {
                return UNKNOWN;
            }
        });
    }

    public boolean isInterface(String internalName) {
        return header(internalName).isInterface();
    }

    public String superName(String internalName) {
        return header(internalName).superName();
    }

    /** Whether {@code sub} is {@code sup} or inherits from it (classes and interfaces). */
    public boolean isSubtype(String sub, String sup) {
        if (sub.equals(sup) || sup.equals("java/lang/Object")) return true;
        List<String> work = new ArrayList<>();
        work.add(sub);
        for (int i = 0; i < work.size() && i < 1000; i++) {
            String c = work.get(i);
            if (c.equals(sup)) return true;
            Header h = header(c);
            if (h.superName() != null) work.add(h.superName());
            work.addAll(h.interfaces());
        }
        return false;
    }

    /** The nearest common super class, as {@code ClassWriter.getCommonSuperClass} wants. */
    public String commonSuperClass(String a, String b) {
        if (isSubtype(a, b)) return b;
        if (isSubtype(b, a)) return a;
        if (isInterface(a) || isInterface(b)) return "java/lang/Object";
        String c = a;
        while (c != null && !isSubtype(b, c)) c = superName(c);
        return c == null ? "java/lang/Object" : c;
    }
}
