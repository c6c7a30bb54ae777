package org.grad4j.transformer.inline;

import java.util.IdentityHashMap;
import java.util.Map;
import org.objectweb.asm.tree.AbstractInsnNode;

/**
 * Places where objects are made (their {@code new}, an array's {@code anewarray}) joined into
 * groups whose objects share one home, by union-find: objects from two places that meet in one
 * variable must live in the same locals ({@link ValueRewrite}, {@link MutableRewrite}).
 */
final class PlaceGroups {
    private final Map<AbstractInsnNode, AbstractInsnNode> parent = new IdentityHashMap<>();

    /** The representative of {@code place}'s group. */
    AbstractInsnNode of(AbstractInsnNode place) {
        AbstractInsnNode up = parent.getOrDefault(place, place);
        if (up == place) return place;
        AbstractInsnNode root = of(up);
        parent.put(place, root);
        return root;
    }

    /** Joins {@code other}'s group into {@code place}'s. */
    void join(AbstractInsnNode place, AbstractInsnNode other) {
        AbstractInsnNode root = of(place), joined = of(other);
        if (root != joined) parent.put(joined, root);
    }
}
