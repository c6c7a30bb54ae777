package org.grad4j.transformer.inline;

import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Removes the instructions a rewritten method can no longer reach (the inliner's {@code athrow}
 * of a null receiver, once the object it checked is known to be there), checking the rewrite on
 * the way: the lifter takes only reachable code.
 */
final class DeadCode {
    private DeadCode() {}

    /** @throws AnalyzerException when the rewritten method is not well formed (the caller keeps the method as it was) */
    static void remove(String owner, MethodNode method) throws AnalyzerException {
        Frame<BasicValue>[] frames = new Analyzer<>(new BasicInterpreter()).analyze(owner, method);
        AbstractInsnNode[] insns = method.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            if (frames[i] == null && insns[i].getOpcode() >= 0) method.instructions.remove(insns[i]);
        }
    }
}
