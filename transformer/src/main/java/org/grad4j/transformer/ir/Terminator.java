package org.grad4j.transformer.ir;

import java.util.List;
import org.objectweb.asm.tree.AbstractInsnNode;

/**
 * How a block ends. {@code successors} are block indices: for {@link Kind#BRANCH}
 * [taken, fall-through]; for {@link Kind#SWITCH} [default, then one per label in the
 * instruction's order]; for {@link Kind#GOTO} [target].
 */
public record Terminator(Kind kind, AbstractInsnNode insn, List<Value> args, int[] successors, int line) {
    public enum Kind { GOTO, BRANCH, SWITCH, RETURN, THROW }

    public Terminator {
        args = List.copyOf(args);
    }

    /** The returned value, or null for {@code return;}. */
    public Value returned() {
        return args.isEmpty() ? null : args.get(0);
    }
}
