package org.grad4j.transformer.inline;

import static org.grad4j.transformer.inline.ValueObjects.isNullCheck;
import static org.grad4j.transformer.inline.ValueObjects.simpleName;
import static org.grad4j.transformer.inline.ValueObjects.usedAs;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.grad4j.transformer.inline.LambdaObjects.Kept;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.analysis.Interpreter;

/**
 * Follows lambda objects through a method for {@link LambdaObjects}, as an ASM {@code Analyzer}'s
 * interpreter: which stack values and locals are lambdas made here by which sites, and where each
 * may come from (the site, or a load of a local). Any use other than calling the method the
 * lambda implements, keeping it in locals, checking it for null or casting it throws {@link Kept}
 * for the site.
 */
final class LambdaFlow extends Interpreter<LambdaFlow.Val> {
    /**
     * A value as far as lambdas go: one of {@code sites} made it (none: not a lambda made here;
     * several: chosen between, {@code c ? x -> a * x : x -> b * x}), it comes from the places
     * {@code from} (a site's {@code invokedynamic}, or an {@code aload}), and {@code mixed}: it may
     * also be something else (null, a parameter, a lambda implementing another method).
     */
    record Val(int size, Set<LambdaSite> sites, Set<AbstractInsnNode> from, boolean mixed)
            implements org.objectweb.asm.tree.analysis.Value {
        static final Val ONE = new Val(1, Set.of(), Set.of(), false);
        static final Val TWO = new Val(2, Set.of(), Set.of(), false);

        static Val plain(int size) {
            return size == 2 ? TWO : ONE;
        }

        boolean isLambda() {
            return !sites.isEmpty();
        }

        /** The first site it may come from, for messages and for keeping one site at a time. */
        LambdaSite site() {
            return sites.iterator().next();
        }

        @Override
        public int getSize() {
            return size;
        }
    }

    private final Map<InvokeDynamicInsnNode, LambdaSite> sites;
    private final Map<AbstractInsnNode, Integer> lines;
    private final Function<MethodInsnNode, String> whyNotInlined;

    /**
     * @param sites the sites still followed, by instruction
     * @param whyNotInlined why a called method was not inlined, in words (": it is recursive"), "" when not known
     */
    LambdaFlow(Map<InvokeDynamicInsnNode, LambdaSite> sites, Map<AbstractInsnNode, Integer> lines,
               Function<MethodInsnNode, String> whyNotInlined) {
        super(Opcodes.ASM9);
        this.sites = sites;
        this.lines = lines;
        this.whyNotInlined = whyNotInlined;
    }

    private Kept kept(Val v, String how) {
        int line = lines.getOrDefault(v.site().insn(), 0);
        String what = "the lambda" + (line > 0 ? " made on line " + InlinedLines.text(line) : "");
        return new Kept(v.site(), v.mixed ? what + " is held in a variable that may also hold null or another lambda" : what + " " + how);
    }

    @Override
    public Val newValue(Type type) {
        if (type == Type.VOID_TYPE) return null;
        return Val.plain(type == null ? 1 : type.getSize());
    }

    @Override
    public Val newOperation(AbstractInsnNode insn) {
        return Val.plain(OperandSizes.ofNew(insn));
    }

    @Override
    public Val copyOperation(AbstractInsnNode insn, Val value) {
        if (!value.isLambda()) return value;
        if (insn.getOpcode() == Opcodes.ALOAD) return new Val(1, value.sites, Set.of(insn), value.mixed);
        if (insn.getOpcode() == Opcodes.ASTORE && value.mixed) throw kept(value, "");
        return value;
    }

    @Override
    public Val unaryOperation(AbstractInsnNode insn, Val value) {
        int op = insn.getOpcode();
        if (value.isLambda()) {
            if (value.mixed || op != Opcodes.IFNULL && op != Opcodes.IFNONNULL && op != Opcodes.CHECKCAST) {
                throw kept(value, usedAs(op));
            }
            if (op == Opcodes.CHECKCAST) return value; // (DoubleUnaryOperator & Serializable): never fails on it
        }
        return Val.plain(OperandSizes.ofUnary(insn));
    }


    @Override
    public Val binaryOperation(AbstractInsnNode insn, Val a, Val b) {
        if (a.isLambda()) throw kept(a, usedAs(insn.getOpcode()));
        if (b.isLambda()) throw kept(b, usedAs(insn.getOpcode()));
        return Val.plain(OperandSizes.ofBinary(insn));
    }

    @Override
    public Val ternaryOperation(AbstractInsnNode insn, Val a, Val b, Val c) {
        if (c.isLambda()) throw kept(c, usedAs(insn.getOpcode()));
        return null;
    }

    @Override
    public Val naryOperation(AbstractInsnNode insn, List<? extends Val> values) {
        LambdaSite made = insn instanceof InvokeDynamicInsnNode d ? sites.get(d) : null;
        if (isNullCheck(insn) && values.get(0).isLambda()) {
            if (values.get(0).mixed()) throw kept(values.get(0), "");
            return values.get(0); // Objects.requireNonNull(f): never null
        }
        boolean call = insn instanceof MethodInsnNode m && !values.isEmpty() && values.get(0).isLambda()
                && values.get(0).sites().stream().allMatch(site -> site.implementedBy(m));
        for (int i = 0; i < values.size(); i++) {
            Val v = values.get(i);
            if (!v.isLambda() || call && i == 0 && !v.mixed) continue;
            if (call && i == 0) throw kept(v, "");
            if (i == 0 && insn instanceof MethodInsnNode m && m.getOpcode() != Opcodes.INVOKESTATIC) { // f.andThen(g)
                throw kept(v, "has its method " + simpleName(m.owner) + "." + m.name + " called, which is not the method it "
                        + "implements (compose functions in a lambda of your own: x -> g.applyAsDouble(f.applyAsDouble(x)))");
            }
            // a lambda a lambda captures is followed once the outer one's body is inlined (LambdaObjects: rounds)
            throw kept(v, made != null || LambdaSite.of(insn) != null ? "is captured by another lambda"
                    : insn instanceof MethodInsnNode m ? "is passed to " + simpleName(m.owner) + "." + m.name
                            + (m.name.equals("<init>") ? "" : ", which is not inlined" + whyNotInlined.apply(m))
                    : "is passed to a dynamic call");
        }
        if (made != null) return new Val(1, Set.of(made), Set.of(insn), false);
        return Val.plain(OperandSizes.ofCall(insn));
    }

    @Override
    public void returnOperation(AbstractInsnNode insn, Val value, Val expected) {
        if (value.isLambda()) throw kept(value, "is returned");
    }

    @Override
    public Val merge(Val a, Val b) {
        if (a.equals(b)) return a;
        if (a.size != b.size) return Val.ONE; // never read again (javac reuses slots)
        if (!a.isLambda() && !b.isLambda()) return a;
        Set<AbstractInsnNode> from = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        from.addAll(a.from);
        from.addAll(b.from);
        Set<LambdaSite> sites = new java.util.LinkedHashSet<>(a.sites);
        sites.addAll(b.sites);
        // lambdas of several sites, chosen between, are followed when they implement one method (LambdaObjects: a tag)
        boolean oneMethod = sites.stream().map(site -> site.method() + site.samType()).distinct().count() == 1;
        boolean mixed = a.mixed || b.mixed || !a.isLambda() || !b.isLambda() || !oneMethod;
        return new Val(1, sites, from, mixed);
    }
}
