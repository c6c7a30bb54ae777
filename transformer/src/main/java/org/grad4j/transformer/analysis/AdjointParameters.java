package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.grad4j.rules.Rule;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Which parameters a rule's adjoint method reads, found in its bytecode: a parameter it never
 * loads need not be kept for the reverse pass, and the generated code passes it a zero. {@code
 * MathRules.exp}'s adjoint reads the result and its adjoint, not the argument; {@code tanh}'s and
 * {@code sqrt}'s likewise: a taped loop of an LSTM's gates kept each gate's argument for nothing.
 * All of them where the method's class cannot be read.
 */
final class AdjointParameters {
    private final Function<String, ClassNode> classes;
    private final Map<Rule.AdjointMethod, BitSet> read = new ConcurrentHashMap<>();

    AdjointParameters(Function<String, ClassNode> classes) {
        this.classes = classes;
    }

    /** The indices of the parameters {@code m} loads (an {@code iinc} counts). */
    BitSet of(Rule.AdjointMethod m) {
        return read.computeIfAbsent(m, this::scan);
    }

    private BitSet scan(Rule.AdjointMethod m) {
        Type[] parameters = Type.getArgumentTypes(m.descriptor());
        BitSet all = new BitSet();
        all.set(0, parameters.length);
        ClassNode owner = classes.apply(m.owner());
        MethodNode body = owner == null ? null : owner.methods.stream()
                .filter(x -> x.name.equals(m.name()) && x.desc.equals(m.descriptor())).findFirst().orElse(null);
        if (body == null || (body.access & Opcodes.ACC_STATIC) == 0 || body.instructions.size() == 0) return all;
        int[] slotOf = new int[parameters.length];
        for (int p = 0, slot = 0; p < parameters.length; p++) {
            slotOf[p] = slot;
            slot += parameters[p].getSize();
        }
        BitSet loaded = new BitSet();
        for (AbstractInsnNode insn : body.instructions) {
            int slot = insn instanceof VarInsnNode v && v.getOpcode() >= Opcodes.ILOAD && v.getOpcode() <= Opcodes.ALOAD ? v.var
                    : insn instanceof IincInsnNode inc ? inc.var : -1;
            for (int p = 0; p < parameters.length; p++) if (slotOf[p] == slot) loaded.set(p);
        }
        return loaded;
    }
}
