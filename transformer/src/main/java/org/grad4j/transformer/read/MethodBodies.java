package org.grad4j.transformer.read;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * A method's code as text that two bodies share exactly when they run the same instructions
 * on the same operands: line numbers and frames left out, labels numbered by position. Two
 * lambdas written alike ({@code z -> z * z} twice) compile to bodies with the same text.
 */
final class MethodBodies {
    private MethodBodies() {}

    static String code(MethodNode m) {
        Map<LabelNode, Integer> labels = jumpTargets(m);
        StringBuilder s = new StringBuilder();
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof LineNumberNode || insn instanceof FrameNode) continue;
            if (insn instanceof LabelNode l && !labels.containsKey(l)) continue; // marks a line or a local's scope
            s.append(insn.getOpcode()).append(' ').append(operands(insn, labels)).append(';');
        }
        if (m.tryCatchBlocks != null) {
            for (TryCatchBlockNode t : m.tryCatchBlocks) {
                s.append("try ").append(labels.get(t.start)).append(' ').append(labels.get(t.end)).append(' ')
                        .append(labels.get(t.handler)).append(' ').append(t.type).append(';');
            }
        }
        return s.toString();
    }

    /**
     * {@code owner.name descriptor} of the static method that a static method's body only forwards
     * its parameters to, in order ({@code z -> Math.tanh(z)}: load, invokestatic, return), else
     * null. Such a body computes what a method reference to that method ({@code Math::tanh}) does.
     */
    static String forwardsTo(MethodNode m) {
        org.objectweb.asm.Type[] params = org.objectweb.asm.Type.getArgumentTypes(m.desc);
        boolean instance = (m.access & org.objectweb.asm.Opcodes.ACC_STATIC) == 0;
        int slot = 0, next = 0;
        boolean thisLoaded = !instance; // an instance body forwards to a method of this: () -> l2()
        MethodInsnNode call = null;
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof LineNumberNode || insn instanceof FrameNode || insn instanceof LabelNode) continue;
            if (call != null) { // the one instruction after the call: a return of its result
                boolean returns = insn.getOpcode() >= org.objectweb.asm.Opcodes.IRETURN && insn.getOpcode() <= org.objectweb.asm.Opcodes.RETURN;
                return returns && onlyMarkersAfter(insn) ? (instance ? "virtual " : "") + call.owner + '.' + call.name + call.desc : null;
            }
            if (!thisLoaded) {
                if (!(insn instanceof VarInsnNode v) || v.var != 0 || v.getOpcode() != org.objectweb.asm.Opcodes.ALOAD) return null;
                thisLoaded = true;
                slot = 1;
            } else if (next < params.length) {
                if (!(insn instanceof VarInsnNode v) || v.var != slot || v.getOpcode() != params[next].getOpcode(org.objectweb.asm.Opcodes.ILOAD)) return null;
                slot += params[next++].getSize();
            } else if (insn instanceof MethodInsnNode c && c.desc.equals(m.desc)
                    && c.getOpcode() == (instance ? org.objectweb.asm.Opcodes.INVOKEVIRTUAL : org.objectweb.asm.Opcodes.INVOKESTATIC)) {
                call = c;
            } else {
                return null;
            }
        }
        return null;
    }

    private static boolean onlyMarkersAfter(AbstractInsnNode insn) {
        for (AbstractInsnNode n = insn.getNext(); n != null; n = n.getNext()) {
            if (!(n instanceof LineNumberNode || n instanceof FrameNode || n instanceof LabelNode)) return false;
        }
        return true;
    }

    /** The labels code refers to (jumps, switches, handlers), numbered in the order they stand. */
    private static Map<LabelNode, Integer> jumpTargets(MethodNode m) {
        java.util.Set<LabelNode> used = new java.util.HashSet<>();
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof JumpInsnNode j) used.add(j.label);
            if (insn instanceof TableSwitchInsnNode t) { used.add(t.dflt); used.addAll(t.labels); }
            if (insn instanceof LookupSwitchInsnNode t) { used.add(t.dflt); used.addAll(t.labels); }
        }
        if (m.tryCatchBlocks != null) {
            for (TryCatchBlockNode t : m.tryCatchBlocks) { used.add(t.start); used.add(t.end); used.add(t.handler); }
        }
        Map<LabelNode, Integer> numbered = new HashMap<>();
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof LabelNode l && used.contains(l)) numbered.put(l, numbered.size());
        }
        return numbered;
    }

    private static String operands(AbstractInsnNode insn, Map<LabelNode, Integer> labels) {
        if (insn instanceof LabelNode l) return "L" + labels.get(l);
        if (insn instanceof VarInsnNode v) return String.valueOf(v.var);
        if (insn instanceof IntInsnNode i) return String.valueOf(i.operand);
        if (insn instanceof TypeInsnNode t) return t.desc;
        if (insn instanceof FieldInsnNode f) return f.owner + '.' + f.name + ' ' + f.desc;
        if (insn instanceof MethodInsnNode c) return c.owner + '.' + c.name + c.desc + ' ' + c.itf;
        if (insn instanceof InvokeDynamicInsnNode d) return d.name + d.desc + ' ' + d.bsm + ' ' + Arrays.deepToString(d.bsmArgs);
        if (insn instanceof JumpInsnNode j) return "L" + labels.get(j.label);
        if (insn instanceof LdcInsnNode c) return c.cst.getClass().getSimpleName() + ' ' + c.cst; // 1.0f is not 1.0
        if (insn instanceof IincInsnNode i) return i.var + " " + i.incr;
        if (insn instanceof TableSwitchInsnNode t) return t.min + " " + t.max + ' ' + targets(t.dflt, t.labels, labels);
        if (insn instanceof LookupSwitchInsnNode t) return t.keys + " " + targets(t.dflt, t.labels, labels);
        if (insn instanceof MultiANewArrayInsnNode a) return a.desc + ' ' + a.dims;
        return "";
    }

    private static String targets(LabelNode dflt, List<LabelNode> cases, Map<LabelNode, Integer> labels) {
        StringBuilder s = new StringBuilder("L").append(labels.get(dflt));
        for (LabelNode c : cases) s.append(" L").append(labels.get(c));
        return s.toString();
    }
}
