package org.grad4j.transformer.read;

import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.analysis.SimpleVerifier;

/**
 * ASM's {@link SimpleVerifier} with the class hierarchy taken from bytes instead of loaded
 * classes. Interfaces are treated as the JVM verifier treats them: assignable from anything.
 */
final class HierarchyVerifier extends SimpleVerifier {
    private final ClassHierarchy hierarchy;

    HierarchyVerifier(ClassHierarchy hierarchy, Type owner, Type superType, List<Type> interfaces, boolean isInterface) {
        super(Opcodes.ASM9, owner, superType, interfaces, isInterface);
        this.hierarchy = hierarchy;
    }

    @Override
    protected boolean isInterface(Type type) {
        return type.getSort() == Type.OBJECT && hierarchy.isInterface(type.getInternalName());
    }

    @Override
    protected Type getSuperClass(Type type) {
        if (type.getSort() != Type.OBJECT) return Type.getObjectType("java/lang/Object");
        String s = hierarchy.superName(type.getInternalName());
        return s == null ? null : Type.getObjectType(s);
    }

    @Override
    protected boolean isAssignableFrom(Type type, Type other) {
        if (type.equals(other)) return true;
        if (type.getSort() == Type.OBJECT && type.getInternalName().equals("java/lang/Object")) return true;
        if (type.getSort() == Type.ARRAY) {
            if (other.getSort() != Type.ARRAY) return false;
            Type te = Type.getType(type.getDescriptor().substring(1));
            Type oe = Type.getType(other.getDescriptor().substring(1));
            if (te.getSort() < Type.ARRAY || oe.getSort() < Type.ARRAY) return te.equals(oe);
            return isAssignableFrom(te, oe);
        }
        if (type.getSort() != Type.OBJECT) return false;
        if (other.getSort() == Type.ARRAY) {
            String n = type.getInternalName();
            return n.equals("java/lang/Cloneable") || n.equals("java/io/Serializable");
        }
        if (other.getSort() != Type.OBJECT) return false;
        return hierarchy.isInterface(type.getInternalName())
                || hierarchy.isSubtype(other.getInternalName(), type.getInternalName());
    }

    @Override
    protected Class<?> getClass(Type type) {
        throw new UnsupportedOperationException("grad4j reads the hierarchy from bytes: " + type);
    }
}
