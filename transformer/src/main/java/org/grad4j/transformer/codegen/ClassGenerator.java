package org.grad4j.transformer.codegen;

import java.util.ArrayList;
import java.util.List;
import org.grad4j.transformer.GeneratedCode;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.Liveness;
import org.grad4j.transformer.analysis.ReadOnlyArrays;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.read.ClassHierarchy;
import org.grad4j.transformer.split.LoopEnvironments;
import org.grad4j.transformer.split.TapedLoops;
import org.grad4j.transformer.split.Region;
import org.grad4j.transformer.split.Split;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Generates the class that holds one method variant's functions (static methods {@code entry}
 * and {@code b<head>}), plus one continuation class per differentiated call site.
 */
public final class ClassGenerator {
    private ClassGenerator() {}

    /** A class name for the variant: in the host's package, unique per method and activity mask. */
    public static String className(MethodIr ir, String mask) {
        String name = ir.name().replaceAll("[^A-Za-z0-9_$]", "_");
        return ir.owner() + "$$Grad4j$" + name + "$" + Integer.toHexString((ir.descriptor() + "#" + mask).hashCode());
    }

    /**
     * @param readOnly what the variant may rely on when it is where a gradient starts: arrays that
     *     stay as they are, calls that start there too
     * @param boundedDepth the code's stack depth does not grow with its input: its entry tells the runtime so
     */
    public static GeneratedCode generate(MethodIr ir, Activity activity, Liveness liveness, Split split,
                                         LoopEnvironments environments, TapedLoops tapes, ReadOnlyArrays readOnly,
                                         Refusal refusal, String mask, ClassHierarchy hierarchy, boolean boundedDepth) {
        String className = className(ir, mask);
        Generation g = new Generation(ir, activity, liveness, split, environments, tapes, readOnly, refusal, className, mask,
                boundedDepth);
        ClassWriter cw = new HierarchyClassWriter(hierarchy);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC,
                className, null, "java/lang/Object", null);
        if (ir.sourceFile() != null) cw.visitSource(ir.sourceFile(), null);
        List<Region> regions = split.regions();
        if (split.tapedRecursion()) { // one region, as two functions and an entry (split.TapedRecursion)
            FunctionEmitter forward = new FunctionEmitter(g, regions.get(0), g.entryShape, cw, FunctionEmitter.Part.FORWARD);
            FunctionEmitter reverse = new FunctionEmitter(g, regions.get(0), g.entryShape, cw, FunctionEmitter.Part.REVERSE);
            forward.emit();
            reverse.emit();
            // each plans its locals on its own: the record the one pushes must be the one the other pops
            if (!forward.recordLayout().equals(reverse.recordLayout())) {
                throw new IllegalStateException("grad4j internal error: the forward and reverse functions of " + className
                        + " disagree on their record: " + forward.recordLayout() + " / " + reverse.recordLayout());
            }
            TapedRecursionEntry.emit(g, cw);
        } else {
            for (int i = 0; i < regions.size(); i++) {
                Region r = regions.get(i);
                if (i > 0 && g.reachedOnlyByTailCalls(r.head())) continue; // its callers' callees return to their continuation
                new FunctionEmitter(g, r, i == 0 ? g.entryShape : g.shapeOf(r.head()), cw).emit();
            }
        }
        cw.visitEnd();
        List<GeneratedCode.GeneratedClass> classes = new ArrayList<>();
        for (LoopEnvironments.LoopEnv env : environments.all()) {
            ClassWriter ew = new HierarchyClassWriter(hierarchy);
            EnvironmentEmitter.emit(g.environmentClass(env.header()), env, ew, ir.sourceFile());
            classes.add(new GeneratedCode.GeneratedClass(g.environmentClass(env.header()), ew.toByteArray()));
        }
        for (ContinuationSpec spec : g.continuations) {
            ClassWriter kw = new HierarchyClassWriter(hierarchy);
            ContinuationEmitter.emit(spec, className, kw, ir.sourceFile());
            classes.add(new GeneratedCode.GeneratedClass(spec.className(), kw.toByteArray()));
        }
        classes.add(0, new GeneratedCode.GeneratedClass(className, cw.toByteArray()));
        return new GeneratedCode(classes, className, "entry", g.entryShape.descriptor());
    }

    /** {@code COMPUTE_FRAMES} with super classes read from bytes, never loaded. */
    private static final class HierarchyClassWriter extends ClassWriter {
        private final ClassHierarchy hierarchy;

        HierarchyClassWriter(ClassHierarchy hierarchy) {
            super(COMPUTE_FRAMES);
            this.hierarchy = hierarchy;
            // ASM's defaults (10 MiB, 10^8 operations) guard against hostile class files; ours may be
            // large functions with many locals (a fuzzed method's needed 3 × 10^8 to compute its frames)
            setComputeLimits(100 << 20, 1_000_000_000L);
        }

        @Override
        protected String getCommonSuperClass(String a, String b) {
            return hierarchy.commonSuperClass(a, b);
        }
    }
}
