package org.grad4j.transformer.inline;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The instructions {@link MutableObjects} writes for an array of objects made in the method
 * ({@code Body[] bodies = new Body[n]}): the array becomes one array per field of its class
 * ({@code double[] x}, {@code double[] vx}, {@code Vec2[] position}, ...) and an array of marks,
 * which elements were set (an element never set is a {@code null}: using it throws, as it did).
 * An element read from it ({@code bodies[i]}) becomes its index, an {@code int}, which moves
 * through locals and the operand stack as the element did; a field of it is the field's array at
 * that index. The home of an array: its field arrays' locals in {@link MutableClass#fields}
 * order, then the marks', then a token's.
 *
 * <p>The marks are a {@code boolean[][]} whose set elements hold one shared token (an empty
 * {@code boolean[]}), so that using an element checks it was set without a branch: {@code
 * marks[i].length} throws the {@code NullPointerException} itself. A branch to a {@code throw}
 * at every field of every element kept an n-body simulation's loop nest off the value tape
 * (its gradient 6 times slower than the same code on arrays of doubles).
 */
final class ElementCode {
    /** Locals for values in passing: an index, and a field's value by its type's sort. */
    record Temps(int index, int intValue, int floatValue, int longValue, int doubleValue, int reference) {
        int of(Type t) {
            return switch (t.getSort()) {
                case Type.DOUBLE -> doubleValue;
                case Type.LONG -> longValue;
                case Type.FLOAT -> floatValue;
                case Type.ARRAY, Type.OBJECT -> reference;
                default -> intValue;
            };
        }

        static final int SLOTS = 8;

        static Temps from(int first) {
            return new Temps(first, first + 1, first + 2, first + 3, first + 5, first + 7);
        }
    }

    private final MutableClass of;
    private final Temps temps;
    /** Of a list ({@link ListCode}): its elements are never null, its home has no marks. */
    private final boolean list;

    ElementCode(MutableClass of, Temps temps, boolean list) {
        this.of = of;
        this.temps = temps;
        this.list = list;
    }

    /** Locals an array's home takes: its fields' arrays, the marks, the token. */
    static int homeSize(MutableClass c) {
        return c.fields().size() + 2;
    }

    /** Before {@code anewarray}, its length on the stack (and left there): an array per field, the marks, the token. */
    InsnList made(int[] home) {
        InsnList out = new InsnList();
        out.add(new InsnNode(Opcodes.ICONST_0));
        out.add(new IntInsnNode(Opcodes.NEWARRAY, Opcodes.T_BOOLEAN));
        out.add(new VarInsnNode(Opcodes.ASTORE, home[of.fields().size() + 1]));
        for (int k = 0; k <= of.fields().size(); k++) {
            out.add(new InsnNode(Opcodes.DUP));
            if (k == of.fields().size()) {
                out.add(new TypeInsnNode(Opcodes.ANEWARRAY, "[Z"));
            } else if (type(k).getSort() >= Type.ARRAY) { // a record (then followed by ValueObjects), a double[]: an array of them
                out.add(new TypeInsnNode(Opcodes.ANEWARRAY, type(k).getSort() == Type.ARRAY ? type(k).getDescriptor()
                        : type(k).getInternalName()));
            } else {
                out.add(new IntInsnNode(Opcodes.NEWARRAY, ValueRewrite.newArrayType(type(k))));
            }
            out.add(new VarInsnNode(Opcodes.ASTORE, home[k]));
        }
        return out;
    }

    /** Before {@code aaload} (array, index on the stack, left there): the index checked against the length, as it was. */
    InsnList boundsChecked(int[] home) {
        InsnList out = new InsnList();
        out.add(new InsnNode(Opcodes.DUP));
        out.add(new VarInsnNode(Opcodes.ALOAD, marks(home)));
        out.add(new InsnNode(Opcodes.SWAP));
        out.add(new InsnNode(Opcodes.AALOAD));
        out.add(new InsnNode(Opcodes.POP));
        return out;
    }

    /**
     * Before {@code aastore} (array, index, object on the stack, left there): the object's fields,
     * from its home, into the arrays at the index, and the element marked set.
     */
    InsnList stored(int[] home, int[] object) {
        InsnList out = new InsnList();
        out.add(new InsnNode(Opcodes.DUP_X1)); // array, object, index, object
        out.add(new InsnNode(Opcodes.POP));
        out.add(new InsnNode(Opcodes.DUP_X1)); // array, index, object, index
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(new VarInsnNode(Opcodes.ALOAD, marks(home)));
        out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
        out.add(new VarInsnNode(Opcodes.ALOAD, home[of.fields().size() + 1])); // the token
        out.add(new InsnNode(Opcodes.AASTORE));
        out.add(fieldsInto(of, home, temps.index(), object));
        return out;
    }

    /**
     * An object's fields, from its home ({@code object}), into the field arrays of an array's or
     * a list's home at the index in local {@code index}: what storing or adding it moves there.
     */
    static InsnList fieldsInto(MutableClass of, int[] home, int index, int[] object) {
        InsnList out = new InsnList();
        for (int k = 0; k < of.fields().size(); k++) {
            Type t = Type.getType(of.fields().get(k).node().desc);
            out.add(new VarInsnNode(Opcodes.ALOAD, home[k]));
            out.add(new VarInsnNode(Opcodes.ILOAD, index));
            out.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), object[k]));
            out.add(new InsnNode(t.getOpcode(Opcodes.IASTORE)));
        }
        return out;
    }

    /** For {@code arraylength}. */
    InsnList length(int[] home) {
        InsnList out = new InsnList();
        out.add(new InsnNode(Opcodes.POP));
        out.add(new VarInsnNode(Opcodes.ALOAD, marks(home)));
        out.add(new InsnNode(Opcodes.ARRAYLENGTH));
        return out;
    }

    /** For {@code getfield} of field {@code k} of an element (its index on the stack). */
    InsnList read(int[] home, int k) {
        InsnList out = new InsnList();
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(present(home));
        out.add(new VarInsnNode(Opcodes.ALOAD, home[k]));
        out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
        out.add(new InsnNode(type(k).getOpcode(Opcodes.IALOAD)));
        return out;
    }

    /** For {@code putfield} of field {@code k} of an element (its index, then the value on the stack). */
    InsnList write(int[] home, int k) {
        InsnList out = new InsnList();
        out.add(new VarInsnNode(type(k).getOpcode(Opcodes.ISTORE), temps.of(type(k))));
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(present(home));
        out.add(new VarInsnNode(Opcodes.ALOAD, home[k]));
        out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
        out.add(new VarInsnNode(type(k).getOpcode(Opcodes.ILOAD), temps.of(type(k))));
        out.add(new InsnNode(type(k).getOpcode(Opcodes.IASTORE)));
        return out;
    }

    /**
     * For an inlined call's receiver check ({@code ifnonnull} over a {@code throw}, see {@link
     * Inliner#isReceiverCheck}) on an element: throws where the element was not set, without a
     * branch, then jumps past the throw. A branch to a throw in a loop's body is an exit of the
     * loop: the loop would not run as a counted loop (n-body's pair loop pushed its chain number
     * and five indices per pair).
     */
    InsnList requiredSet(int[] home, JumpInsnNode jump) {
        InsnList out = new InsnList();
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(present(home));
        out.add(new JumpInsnNode(Opcodes.GOTO, jump.label));
        return out;
    }

    /** For {@code ifnull}/{@code ifnonnull} ({@code jump}'s opcode) of an element: whether it was set. */
    InsnList nullTest(int[] home, JumpInsnNode jump) {
        if (list) { // never null
            InsnList out = new InsnList();
            out.add(new InsnNode(Opcodes.POP));
            if (jump.getOpcode() == Opcodes.IFNONNULL) out.add(new JumpInsnNode(Opcodes.GOTO, jump.label));
            return out;
        }
        InsnList out = mark(home);
        out.add(new JumpInsnNode(jump.getOpcode(), jump.label));
        return out;
    }

    /**
     * For {@code a == b} ({@code jump} an {@code if_acmpeq}, or {@code if_acmpne}) of two elements
     * (their indices on the stack), of this array ({@code other} null) or of one of {@code other}'s:
     * the same object when both are the same element, or both were never set (two nulls). Elements
     * of two arrays are never the same object: one made here is moved into the one element it is stored into.
     */
    InsnList identical(int[] home, ElementCode other, int[] otherHome, JumpInsnNode jump) {
        InsnList out = new InsnList();
        boolean equal = jump.getOpcode() == Opcodes.IF_ACMPEQ;
        if (list || other != null && other.list) { // an element of a list is never null: the same only as the same element
            if (other == null) {
                out.add(new JumpInsnNode(equal ? Opcodes.IF_ICMPEQ : Opcodes.IF_ICMPNE, jump.label));
            } else {
                out.add(new InsnNode(Opcodes.POP2));
                if (!equal) out.add(new JumpInsnNode(Opcodes.GOTO, jump.label));
            }
            return out;
        }
        LabelNode decided = new LabelNode();
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.intValue())); // b
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index())); // a
        if (other == null) {
            out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
            out.add(new VarInsnNode(Opcodes.ILOAD, temps.intValue()));
            out.add(new JumpInsnNode(Opcodes.IF_ICMPEQ, equal ? jump.label : decided));
        }
        // different elements: the same (null) only if neither was set
        out.add(new VarInsnNode(Opcodes.ALOAD, marks(home)));
        out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
        out.add(new InsnNode(Opcodes.AALOAD));
        out.add(new JumpInsnNode(Opcodes.IFNONNULL, equal ? decided : jump.label));
        ElementCode b = other == null ? this : other;
        out.add(new VarInsnNode(Opcodes.ALOAD, b.marks(other == null ? home : otherHome)));
        out.add(new VarInsnNode(Opcodes.ILOAD, temps.intValue()));
        out.add(new InsnNode(Opcodes.AALOAD));
        out.add(new JumpInsnNode(equal ? Opcodes.IFNULL : Opcodes.IFNONNULL, jump.label));
        out.add(decided);
        return out;
    }

    /** For {@code instanceof} of a class the elements are instances of: whether the element was set (1 or 0). */
    InsnList isSet(int[] home) {
        if (list) {
            InsnList out = new InsnList();
            out.add(new InsnNode(Opcodes.POP));
            out.add(new InsnNode(Opcodes.ICONST_1));
            return out;
        }
        InsnList out = mark(home);
        LabelNode unset = new LabelNode();
        LabelNode done = new LabelNode();
        out.add(new JumpInsnNode(Opcodes.IFNULL, unset));
        out.add(new InsnNode(Opcodes.ICONST_1));
        out.add(new JumpInsnNode(Opcodes.GOTO, done));
        out.add(unset);
        out.add(new InsnNode(Opcodes.ICONST_0));
        out.add(done);
        return out;
    }

    /** The mark of the element whose index is on the stack: the token, or null. */
    private InsnList mark(int[] home) {
        InsnList out = new InsnList();
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(new VarInsnNode(Opcodes.ALOAD, marks(home)));
        out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
        out.add(new InsnNode(Opcodes.AALOAD));
        return out;
    }

    /** For {@code Objects.requireNonNull} of an element: throws if it was not set, the index stays. */
    InsnList requiredNonNull(int[] home) {
        InsnList out = new InsnList();
        if (list) return out;
        out.add(new InsnNode(Opcodes.DUP));
        out.add(new VarInsnNode(Opcodes.ISTORE, temps.index()));
        out.add(present(home));
        return out;
    }

    /**
     * Throws the NullPointerException using a null element would, when element {@code temps.index}
     * was not set: the length of its mark, null then.
     */
    private InsnList present(int[] home) {
        InsnList out = new InsnList();
        if (list) return out; // never null
        out.add(new VarInsnNode(Opcodes.ALOAD, marks(home)));
        out.add(new VarInsnNode(Opcodes.ILOAD, temps.index()));
        out.add(new InsnNode(Opcodes.AALOAD));
        out.add(new InsnNode(Opcodes.ARRAYLENGTH));
        out.add(new InsnNode(Opcodes.POP));
        return out;
    }

    private int marks(int[] home) {
        return home[of.fields().size()];
    }

    private Type type(int k) {
        return Type.getType(of.fields().get(k).node().desc);
    }
}
