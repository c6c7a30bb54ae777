package org.grad4j.transformer.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.grad4j.Differentiable;
import org.grad4j.transformer.ActivityMask;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.GeneratedCode;
import org.grad4j.transformer.Transformer;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Generated reverse code adds nothing to an adjoint it has just set to zero ({@code 0.0 + x}
 * costs a dependent addition the JIT may not fold, see {@link KnownZeros}): read independently of
 * KnownZeros, from the class file — a local stored from {@code dconst_0} stays zero until it is
 * stored again or control can arrive from a jump, and loading it for a {@code dadd} or
 * {@code dsub} before that is a zero addition. Library rules ({@code Math.exp}) and guards in the
 * reverse used to make the emitter forget every zero at their end.
 */
class ZeroAdditionsTest {
    /** Rule after rule, and a counted loop whose reverse runs rules. */
    static final class Hosts {
        @Differentiable
        static double rules(double x, double y) {
            double a = Math.exp(Math.sin(x));
            double b = Math.log(1 + y * y);
            return a * b + Math.tanh(a - b);
        }

        @Differentiable
        static double decay(double[] x, double c) {
            double acc = 0;
            for (int i = 0; i < x.length; i++) acc = 0.9 * acc + Math.exp(x[i] * c) - Math.sin(x[i]);
            return acc;
        }
    }

    @Test
    void rulesAndGuardsInTheReverseKeepWhatIsKnownZero() {
        assertEquals(List.of(), zeroAdditions("rules", "(DD)D#11"));
        assertEquals(List.of(), zeroAdditions("decay", "([DD)D#11"));
        assertEquals(List.of(), zeroAdditions("decay", "([DD)D#11" + ActivityMask.OUTERMOST));
    }

    /** The zero additions in every generated method, as "method@instruction". */
    private static List<String> zeroAdditions(String method, String descriptorAndMask) {
        GeneratedCode code = new Transformer(ClassFileLocator.of(Hosts.class.getClassLoader()))
                .generate(Type.getInternalName(Hosts.class), method, descriptorAndMask);
        List<String> found = new ArrayList<>();
        for (GeneratedCode.GeneratedClass c : code.classes()) {
            ClassNode node = new ClassNode();
            new ClassReader(c.bytes()).accept(node, 0);
            for (MethodNode m : node.methods) found.addAll(zeroAdditions(m));
        }
        return found;
    }

    private static List<String> zeroAdditions(MethodNode m) {
        Set<LabelNode> targets = jumpTargets(m);
        List<String> found = new ArrayList<>();
        BitSet zero = new BitSet();
        AbstractInsnNode[] insns = m.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            AbstractInsnNode insn = insns[i];
            if (insn instanceof LabelNode label && targets.contains(label)) zero.clear();
            if (!(insn instanceof VarInsnNode v)) continue;
            if (insn.getOpcode() >= Opcodes.ISTORE && insn.getOpcode() <= Opcodes.ASTORE) {
                zero.clear(Math.max(0, v.var - 1), v.var + 2);
                if (insn.getOpcode() == Opcodes.DSTORE && i > 0 && insns[i - 1].getOpcode() == Opcodes.DCONST_0) zero.set(v.var);
            } else if (insn.getOpcode() == Opcodes.DLOAD && zero.get(v.var) && i + 1 < insns.length
                    && (insns[i + 1].getOpcode() == Opcodes.DADD || insns[i + 1].getOpcode() == Opcodes.DSUB)) {
                found.add(m.name + "@" + i);
            }
        }
        return found;
    }

    private static Set<LabelNode> jumpTargets(MethodNode m) {
        Set<LabelNode> targets = new HashSet<>();
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof JumpInsnNode j) targets.add(j.label);
            if (insn instanceof TableSwitchInsnNode t) {
                targets.add(t.dflt);
                targets.addAll(t.labels);
            }
            if (insn instanceof LookupSwitchInsnNode l) {
                targets.add(l.dflt);
                targets.addAll(l.labels);
            }
        }
        for (TryCatchBlockNode t : m.tryCatchBlocks) targets.add(t.handler);
        return targets;
    }
}
