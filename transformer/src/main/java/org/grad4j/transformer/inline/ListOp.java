package org.grad4j.transformer.inline;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * The operations of a {@code java.util.ArrayList} made in the method, and of its iterators, that
 * {@link MutableObjects} follows when the list holds objects it replaces ({@code List<Body>
 * bodies = new ArrayList<>(); bodies.add(new Body(...)); for (Body b : bodies) b.move(dt)}),
 * however the list is declared ({@code List}, {@code ArrayList}, {@code Collection}, {@code
 * Iterable}). Any other call on such a list keeps its objects objects.
 */
enum ListOp {
    /** {@code new ArrayList<>()}. */
    INIT,
    /** {@code new ArrayList<>(capacity)}. */
    INIT_CAPACITY,
    ADD,
    GET,
    SET,
    SIZE,
    IS_EMPTY,
    ITERATOR,
    HAS_NEXT,
    NEXT;

    static final String ARRAY_LIST = "java/util/ArrayList";

    /** Whether a cast of a list made here to {@code type} keeps it a list ({@code List}, {@code Collection}, ...). */
    static boolean isListType(String type) {
        return type.equals(ARRAY_LIST) || type.equals("java/util/List") || type.equals("java/util/Collection")
                || type.equals("java/lang/Iterable") || type.equals("java/lang/Object");
    }

    /** A list made here: {@code new ArrayList}. */
    static boolean isList(AbstractInsnNode insn) {
        return insn.getOpcode() == Opcodes.NEW && ((TypeInsnNode) insn).desc.equals(ARRAY_LIST);
    }

    /** The operation a call is, or null. */
    static ListOp of(AbstractInsnNode insn) {
        if (!(insn instanceof MethodInsnNode m)) return null;
        String sig = m.name + m.desc;
        if (m.owner.equals("java/util/Iterator")) {
            return sig.equals("hasNext()Z") ? HAS_NEXT : sig.equals("next()Ljava/lang/Object;") ? NEXT : null;
        }
        if (m.owner.equals(ARRAY_LIST) && m.name.equals("<init>")) {
            return m.desc.equals("()V") ? INIT : m.desc.equals("(I)V") ? INIT_CAPACITY : null;
        }
        boolean list = m.owner.equals(ARRAY_LIST) || m.owner.equals("java/util/List");
        boolean collection = list || m.owner.equals("java/util/Collection");
        return switch (sig) {
            case "add(Ljava/lang/Object;)Z" -> collection ? ADD : null;
            case "get(I)Ljava/lang/Object;" -> list ? GET : null;
            case "set(ILjava/lang/Object;)Ljava/lang/Object;" -> list ? SET : null;
            case "size()I" -> collection ? SIZE : null;
            case "isEmpty()Z" -> collection ? IS_EMPTY : null;
            case "iterator()Ljava/util/Iterator;" -> collection || m.owner.equals("java/lang/Iterable") ? ITERATOR : null;
            default -> null;
        };
    }
}
