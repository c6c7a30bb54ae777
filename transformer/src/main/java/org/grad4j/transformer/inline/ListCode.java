package org.grad4j.transformer.inline;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The instructions {@link MutableObjects} writes for a {@code java.util.ArrayList} made in the
 * method holding objects it replaces ({@link ListOp}): as an array of them ({@link ElementCode}),
 * one array per field of the class, which grows as {@code ArrayList}'s does ({@code
 * Arrays.copyOf}), and the size. An element ({@code get(i)}, an iterator's {@code next()}) is its
 * index; an iterator is its cursor, a local of its own. The home of a list: its field arrays'
 * locals in {@link MutableClass#fields} order, then the size's. Fields must be numbers, or
 * objects that are data (a local class's outer instance, a {@code String}): only arrays of those
 * are copied as they grow (an array of records or of {@code double[]} rows copied by {@code
 * Arrays.copyOf} would no longer be one grad4j follows).
 */
final class ListCode {
    /** {@code ArrayList}'s capacity when none is given. */
    private static final int DEFAULT_CAPACITY = 10;

    private final MutableClass of;
    private final ElementCode.Temps temps;

    ListCode(MutableClass of, ElementCode.Temps temps) {
        this.of = of;
        this.temps = temps;
    }

    /** Why objects of the class cannot be held in a followed list (a field that is an array or a class of the program's), or null. */
    static String whyNotElements(MutableClass c) {
        for (MutableClass.Field f : c.fields()) {
            Type t = Type.getType(f.node().desc);
            boolean data = t.getSort() < Type.ARRAY || (f.node().access & Opcodes.ACC_SYNTHETIC) != 0 // this$0
                    || t.getSort() == Type.OBJECT && org.grad4j.transformer.analysis.CallResolver.isJdk(t.getInternalName());
            if (!data) {
                return "its field " + f.node().name + " is " + (t.getSort() == Type.ARRAY ? "an array" : "an object of the program")
                        + " (grad4j follows lists of objects whose fields are numbers; an array, Body[], may hold objects "
                        + "with array or record fields)";
            }
        }
        return null;
    }

    /** Locals a list's home takes: its fields' arrays, the size. */
    static int homeSize(MutableClass c) {
        return c.fields().size() + 1;
    }

    /** For the constructor call, the list (and a capacity) on the stack: empty arrays of that capacity. */
    InsnList made(int[] home, boolean capacityGiven) {
        InsnList out = new InsnList();
        if (capacityGiven) { // a negative one: ArrayList's constructor throws what it throws ("Illegal Capacity: -1")
            LabelNode fine = new LabelNode();
            out.add(new InsnNode(Opcodes.DUP));
            out.add(new JumpInsnNode(Opcodes.IFGE, fine));
            out.add(new TypeInsnNode(Opcodes.NEW, ListOp.ARRAY_LIST));
            out.add(new InsnNode(Opcodes.DUP_X1));
            out.add(new InsnNode(Opcodes.SWAP));
            out.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, ListOp.ARRAY_LIST, "<init>", "(I)V", false));
            out.add(new InsnNode(Opcodes.POP));
            out.add(new InsnNode(Opcodes.ACONST_NULL));
            out.add(new InsnNode(Opcodes.ATHROW)); // (never reached)
            out.add(fine);
        } else {
            out.add(new IntInsnNode(Opcodes.BIPUSH, DEFAULT_CAPACITY));
        }
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(new InsnNode(Opcodes.POP));
        for (int k = 0; k < of.fields().size(); k++) {
            out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
            out.add(type(k).getSort() == Type.OBJECT ? new TypeInsnNode(Opcodes.ANEWARRAY, type(k).getInternalName())
                    : new IntInsnNode(Opcodes.NEWARRAY, ValueRewrite.newArrayType(type(k))));
            out.add(new VarInsnNode(Opcodes.ASTORE, home[k]));
        }
        out.add(new InsnNode(Opcodes.ICONST_0));
        out.add(new VarInsnNode(Opcodes.ISTORE, size(home)));
        return out;
    }

    /**
     * Before {@code add}, the list and the object on the stack (left there): the arrays grown
     * when full, the object's fields (from its home) at the size, which grows by one.
     */
    InsnList added(int[] home, int[] object) {
        InsnList out = new InsnList();
        if (!of.fields().isEmpty()) {
            LabelNode room = new LabelNode();
            out.add(new VarInsnNode(Opcodes.ILOAD, size(home)));
            out.add(new VarInsnNode(Opcodes.ALOAD, home[0]));
            out.add(new InsnNode(Opcodes.ARRAYLENGTH));
            out.add(new JumpInsnNode(Opcodes.IF_ICMPLT, room));
            for (int k = 0; k < of.fields().size(); k++) { // half as large again, as ArrayList grows
                out.add(new VarInsnNode(Opcodes.ALOAD, home[k]));
                out.add(new VarInsnNode(Opcodes.ILOAD, size(home)));
                out.add(new VarInsnNode(Opcodes.ILOAD, size(home)));
                out.add(new InsnNode(Opcodes.ICONST_1));
                out.add(new InsnNode(Opcodes.ISHR));
                out.add(new InsnNode(Opcodes.IADD));
                out.add(new InsnNode(Opcodes.ICONST_1));
                out.add(new InsnNode(Opcodes.IADD));
                boolean objects = type(k).getSort() == Type.OBJECT;
                String array = objects ? "[Ljava/lang/Object;" : "[" + type(k).getDescriptor();
                out.add(new MethodInsnNode(Opcodes.INVOKESTATIC, "java/util/Arrays", "copyOf", "(" + array + "I)" + array, false));
                if (objects) out.add(new TypeInsnNode(Opcodes.CHECKCAST, "[" + type(k).getDescriptor()));
                out.add(new VarInsnNode(Opcodes.ASTORE, home[k]));
            }
            out.add(room);
        }
        out.add(ElementCode.fieldsInto(of, home, size(home), object));
        out.add(new org.objectweb.asm.tree.IincInsnNode(size(home), 1));
        return out;
    }

    /** For {@code get}, the list and the index on the stack: the index, checked against the size; its last instruction pushes it. */
    InsnList read(int[] home) {
        InsnList out = new InsnList();
        out.add(new VarInsnNode(Opcodes.ILOAD, size(home)));
        out.add(checkIndex());
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(new InsnNode(Opcodes.POP));
        out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
        return out;
    }

    /**
     * Before {@code set}, the list, the index and the object on the stack (left there): the index
     * checked, the object's fields into the arrays there.
     */
    InsnList replaced(int[] home, int[] object) {
        InsnList out = new InsnList();
        out.add(new InsnNode(Opcodes.DUP_X1)); // list, object, index, object
        out.add(new InsnNode(Opcodes.POP));
        out.add(new InsnNode(Opcodes.DUP_X1)); // list, index, object, index
        out.add(new VarInsnNode(Opcodes.ILOAD, size(home)));
        out.add(checkIndex());
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(ElementCode.fieldsInto(of, home, temps.index(), object));
        return out;
    }

    /** For {@code size()}, the list on the stack. */
    InsnList size(int[] home, boolean isEmpty) {
        InsnList out = new InsnList();
        out.add(new InsnNode(Opcodes.POP));
        out.add(new VarInsnNode(Opcodes.ILOAD, size(home)));
        if (isEmpty) out.add(zeroTest(Opcodes.IFNE));
        return out;
    }

    /** For {@code hasNext()}, the iterator on the stack. */
    InsnList hasNext(int[] home, int cursor) {
        InsnList out = new InsnList();
        out.add(new InsnNode(Opcodes.POP));
        out.add(new VarInsnNode(Opcodes.ILOAD, cursor));
        out.add(new VarInsnNode(Opcodes.ILOAD, size(home)));
        out.add(new InsnNode(Opcodes.ISUB));
        out.add(zeroTest(Opcodes.IFGE)); // cursor < size
        return out;
    }

    /** For {@code next()}, the iterator on the stack: the element at the cursor, which moves on; its last instruction pushes it. */
    InsnList next(int[] home, int cursor) {
        InsnList out = new InsnList();
        LabelNode there = new LabelNode();
        out.add(new InsnNode(Opcodes.POP));
        out.add(new VarInsnNode(Opcodes.ILOAD, cursor));
        out.add(new VarInsnNode(Opcodes.ILOAD, size(home)));
        out.add(new JumpInsnNode(Opcodes.IF_ICMPLT, there));
        out.add(thrown("java/util/NoSuchElementException"));
        out.add(there);
        out.add(new VarInsnNode(Opcodes.ILOAD, cursor));
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(new org.objectweb.asm.tree.IincInsnNode(cursor, 1));
        out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
        return out;
    }

    /** 1 where {@code jump} does not jump on the int on the stack, else 0. */
    private static InsnList zeroTest(int jump) {
        InsnList out = new InsnList();
        LabelNode no = new LabelNode();
        LabelNode done = new LabelNode();
        out.add(new JumpInsnNode(jump, no));
        out.add(new InsnNode(Opcodes.ICONST_1));
        out.add(new JumpInsnNode(Opcodes.GOTO, done));
        out.add(no);
        out.add(new InsnNode(Opcodes.ICONST_0));
        out.add(done);
        return out;
    }

    /** {@code Objects.checkIndex(index, size)}: the IndexOutOfBoundsException ArrayList throws, with its message. */
    private static MethodInsnNode checkIndex() {
        return new MethodInsnNode(Opcodes.INVOKESTATIC, "java/util/Objects", "checkIndex", "(II)I", false);
    }

    private static InsnList thrown(String exception) {
        InsnList out = new InsnList();
        out.add(new TypeInsnNode(Opcodes.NEW, exception));
        out.add(new InsnNode(Opcodes.DUP));
        out.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, exception, "<init>", "()V", false));
        out.add(new InsnNode(Opcodes.ATHROW));
        return out;
    }

    private int size(int[] home) {
        return home[of.fields().size()];
    }

    private Type type(int k) {
        return Type.getType(of.fields().get(k).node().desc);
    }
}
