package org.grad4j.transformer.testing;

import org.grad4j.rules.RuleTable;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.CallResolver;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.lift.Lifter;
import org.grad4j.transformer.read.ClassHierarchy;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/** A method of a test class lifted and analysed, for tests of the analyses and plans built on them. */
public record Analysed(MethodIr ir, Cfg cfg, Activity activity) {
    /** {@code host}'s method of that name, lifted, with every parameter differentiated. */
    public static Analysed of(Class<?> host, String method) {
        return of(host, method, p -> true);
    }

    /** {@code host}'s method of that name, lifted, with the parameters {@code active} accepts (by position) differentiated. */
    public static Analysed of(Class<?> host, String method, java.util.function.IntPredicate active) {
        ClassFileLocator locator = ClassFileLocator.of(host.getClassLoader());
        CallResolver calls = new CallResolver(RuleTable.global(), locator);
        ClassNode owner = calls.classNode(Type.getInternalName(host));
        MethodNode node = owner.methods.stream().filter(m -> m.name.equals(method)).findFirst().orElseThrow();
        Refusal refusal = new Refusal(owner.name, method, owner.sourceFile);
        MethodIr ir = Lifter.lift(owner, node, new ClassHierarchy(locator), c -> calls.resolve(c) instanceof Callee.Differentiated);
        Cfg cfg = new Cfg(ir, refusal);
        boolean[] mask = new boolean[Type.getArgumentTypes(node.desc).length];
        for (int p = 0; p < mask.length; p++) mask[p] = active.test(p);
        return new Analysed(ir, cfg, new Activity(ir, cfg, mask, calls, refusal));
    }
}
