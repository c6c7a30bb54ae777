package org.grad4j.transformer.inline;

import static org.grad4j.transformer.inline.ValueObjects.isNullCheck;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Lambdas that stay in the method become calls of their bodies: {@code DoubleBinaryOperator f =
 * (t, y) -> -k * y} given to a helper that was inlined ({@code rk4(f, y0, h, n)}) and called
 * there ({@code f.applyAsDouble(t, y)}) becomes {@code lambda$osc$0(k, t, y)}, the captured
 * {@code k} kept in a local where the lambda was made. A lambda object cannot carry a derivative
 * (its captured values are constants to the code that calls it), so without this a lambda
 * capturing a differentiable value is refused; with it, the captured value is an ordinary local
 * and the body an ordinary call, which the caller inlines in turn ({@code Transformer}).
 *
 * <p>Works on bytecode, before lifting, like {@link ValueObjects}. The object itself is replaced
 * by {@code null}, which moves through locals and the operand stack as the object did; its
 * captured values live in locals of their own (a home): one for the site, one for each local
 * slot that holds the lambda, copied where it is stored, read where the lambda is called. A
 * lambda is captured by value, so the copies are exact. Any other use — passed to a call that
 * was not inlined, stored into a field or an array, returned, compared, merged with null or
 * another lambda — leaves that site's lambda as it is, and says why ({@link Replaced#whyKept}).
 */
public final class LambdaObjects {
    private LambdaObjects() {}

    /**
     * The method with its lambdas replaced ({@code method} itself when none is), the calls of
     * lambda bodies it now makes (for the caller to inline), and why each lambda kept was kept,
     * by its implementation ({@code owner.name descriptor}).
     */
    public record Replaced(MethodNode method, List<MethodInsnNode> bodyCalls, Map<String, String> whyKept) {}

    /** A lambda site whose object escapes, or is used in a way this pass does not follow. */
    static final class Kept extends RuntimeException {
        /** The site; null when the method as a whole is not followed. */
        final LambdaSite site;

        Kept(LambdaSite site, String how) {
            super(how, null, false, false);
            this.site = site;
        }
    }

    /**
     * @param owner the internal name of the method's class
     * @param whyNotInlined why a method the method calls was not inlined, in words (": it is recursive"), "" when not known
     */
    public static Replaced replace(String owner, MethodNode method, Function<MethodInsnNode, String> whyNotInlined) {
        Map<InvokeDynamicInsnNode, LambdaSite> sites = new LinkedHashMap<>();
        Map<String, String> kept = new LinkedHashMap<>();
        for (AbstractInsnNode insn : method.instructions) {
            LambdaSite site = LambdaSite.of(insn);
            if (site == null) continue;
            String why = site.whyNotCallable();
            if (why == null) sites.put(site.insn(), site);
            else kept.put(site.key(), "the lambda " + why);
        }
        if (sites.isEmpty() || !method.tryCatchBlocks.isEmpty()) return new Replaced(method, List.of(), kept);
        while (!sites.isEmpty()) {
            try {
                return new Rewrite(owner, method, sites, whyNotInlined).run(kept);
            } catch (Kept k) {
                if (k.site == null) return new Replaced(method, List.of(), kept);
                kept.putIfAbsent(k.site.key(), k.getMessage());
                sites.remove(k.site.insn());
            }
        }
        return new Replaced(method, List.of(), kept);
    }

    /** One rewrite of the method, for the sites still followed. */
    private static final class Rewrite {
        private final String owner;
        private final MethodNode method;
        private final Map<InvokeDynamicInsnNode, LambdaSite> sites;
        private final Function<MethodInsnNode, String> whyNotInlined;
        /**
         * Sites whose lambdas are chosen between ({@code c ? x -> a * x : x -> b * x}) share a group, and a
         * home: each site's captured values, and a tag saying which site made the lambda (groups of one
         * have none). By site, its group's sites in order.
         */
        private final Map<LambdaSite, List<LambdaSite>> groups = new java.util.IdentityHashMap<>();
        /** Captured values' locals (and the tag last): by "g" + group for the sites', by "slot/group" for a local slot's. */
        private final Map<String, int[]> homes = new HashMap<>();
        /** By home, a site of the group it is for. */
        private final Map<String, LambdaSite> homeSites = new HashMap<>();
        private final List<InvokeDynamicInsnNode> order;
        private final List<MethodInsnNode> bodyCalls = new ArrayList<>();
        private int nextLocal;

        Rewrite(String owner, MethodNode method, Map<InvokeDynamicInsnNode, LambdaSite> sites,
                Function<MethodInsnNode, String> whyNotInlined) {
            this.owner = owner;
            this.method = method;
            this.sites = sites;
            this.whyNotInlined = whyNotInlined;
            this.order = new ArrayList<>(sites.keySet());
        }

        Replaced run(Map<String, String> kept) {
            Frame<LambdaFlow.Val>[] frames;
            try {
                frames = new Analyzer<>(new LambdaFlow(sites, ValueObjects.lines(method), whyNotInlined)).analyze(owner, method);
            } catch (AnalyzerException e) {
                if (e.getCause() instanceof Kept k) throw k;
                throw new Kept(null, e.getMessage());
            }
            AbstractInsnNode[] insns = method.instructions.toArray();
            group(frames);
            for (int i = 0; i < insns.length; i++) if (frames[i] != null) checkPlaces(insns, i, frames[i]);
            MethodNode copy = org.grad4j.transformer.read.ClassFiles.copy(method);
            nextLocal = method.maxLocals;
            AbstractInsnNode[] copies = copy.instructions.toArray();
            int extraStack = 0;
            for (int i = 0; i < insns.length; i++) {
                if (frames[i] == null) continue;
                InsnList instead = rewrite(insns[i], copies[i], frames[i]);
                if (instead == null) continue;
                copy.instructions.insert(copies[i], instead);
                copy.instructions.remove(copies[i]);
                if (insns[i] instanceof InvokeDynamicInsnNode d) extraStack = Math.max(extraStack, captureSlots(sites.get(d)));
            }
            copy.instructions.insert(initialisedHomes()); // a chosen group's home is read whole before every part is set
            for (AbstractInsnNode insn : copy.instructions.toArray()) {
                if (insn.getType() == AbstractInsnNode.FRAME) copy.instructions.remove(insn); // they name the lambdas' types
            }
            copy.maxLocals = nextLocal;
            copy.maxStack = method.maxStack + extraStack + 2;
            try {
                new Analyzer<>(new org.objectweb.asm.tree.analysis.BasicVerifier()).analyze(owner, copy);
            } catch (AnalyzerException e) {
                throw new Kept(null, "rewrite rejected: " + e.getMessage());
            }
            return new Replaced(copy, bodyCalls, kept);
        }

        /** Sites whose lambdas meet in one value share a group (union of every value's sites, in site order). */
        private void group(Frame<LambdaFlow.Val>[] frames) {
            Map<LambdaSite, LambdaSite> parent = new java.util.IdentityHashMap<>();
            for (LambdaSite site : sites.values()) parent.put(site, site);
            java.util.function.UnaryOperator<LambdaSite> find = new java.util.function.UnaryOperator<>() {
                @Override
                public LambdaSite apply(LambdaSite x) {
                    while (parent.get(x) != x) x = parent.get(x);
                    return x;
                }
            };
            // only where a lambda is used: a slot two inlined helpers share holds a merge of their sites, never read
            AbstractInsnNode[] insns = method.instructions.toArray();
            for (int i = 0; i < insns.length; i++) {
                LambdaFlow.Val v = frames[i] == null ? null : used(insns[i], frames[i]);
                if (v == null || v.mixed()) continue;
                LambdaSite first = find.apply(v.site());
                for (LambdaSite other : v.sites()) parent.put(find.apply(other), first);
            }
            for (InvokeDynamicInsnNode d : order) {
                LambdaSite root = find.apply(sites.get(d));
                List<LambdaSite> members = new ArrayList<>();
                for (InvokeDynamicInsnNode e : order) if (find.apply(sites.get(e)) == root) members.add(sites.get(e));
                groups.put(sites.get(d), members);
            }
        }

        private static int captureSlots(LambdaSite site) {
            int slots = 0;
            for (Type t : site.captured()) slots += t.getSize();
            return slots;
        }

        /**
         * Where the lambda is called or stored, the captured values must be in one home: the
         * value comes from one group's sites or from loads of one local, not reassigned before the use.
         */
        private void checkPlaces(AbstractInsnNode[] insns, int at, Frame<LambdaFlow.Val> f) {
            LambdaFlow.Val used = used(insns[at], f);
            if (used == null) return;
            String home = null;
            for (AbstractInsnNode place : used.from()) {
                String h = homeKey(place, used.site());
                if (home != null && !home.equals(h)) throw new Kept(used.site(), "the lambda is chosen between two variables");
                home = h;
                if (place instanceof VarInsnNode load) {
                    for (int i = method.instructions.indexOf(load) + 1; i < at; i++) {
                        if (insns[i] instanceof VarInsnNode v && v.getOpcode() == Opcodes.ASTORE && v.var == load.var) {
                            throw new Kept(used.site(), "the lambda's variable is assigned while it is being called");
                        }
                    }
                }
            }
        }

        /** The lambda an instruction calls or stores into a local, or null. */
        private static LambdaFlow.Val used(AbstractInsnNode insn, Frame<LambdaFlow.Val> f) {
            if (insn instanceof MethodInsnNode call && call.getOpcode() == Opcodes.INVOKEINTERFACE) {
                LambdaFlow.Val receiver = f.getStack(f.getStackSize() - Type.getArgumentTypes(call.desc).length - 1);
                return receiver.isLambda() ? receiver : null;
            }
            if (insn.getOpcode() == Opcodes.ASTORE && f.getStack(f.getStackSize() - 1).isLambda()) {
                return f.getStack(f.getStackSize() - 1);
            }
            return null;
        }

        /** The home of a place: its group's own for an {@code invokedynamic}, the slot's for a load. */
        private String homeKey(AbstractInsnNode place, LambdaSite site) {
            int group = order.indexOf(groups.get(site).get(0).insn());
            return place instanceof VarInsnNode load ? load.var + "/" + group : "g" + group;
        }

        /** The types of a group's home: each site's captured values, then the tag (for several sites). */
        private List<Type> layout(LambdaSite site) {
            List<LambdaSite> group = groups.get(site);
            List<Type> types = new ArrayList<>();
            for (LambdaSite s : group) types.addAll(List.of(s.captured()));
            if (group.size() > 1) types.add(Type.INT_TYPE);
            return types;
        }

        /** Where {@code site}'s captured values start in its group's home. */
        private int offset(LambdaSite site) {
            int offset = 0;
            for (LambdaSite s : groups.get(site)) {
                if (s == site) return offset;
                offset += s.captured().length;
            }
            throw new IllegalStateException("not in its group");
        }

        private int[] home(String key, LambdaSite site) {
            homeSites.putIfAbsent(key, site);
            return homes.computeIfAbsent(key, k -> {
                List<Type> types = layout(site);
                int[] locals = new int[types.size()];
                for (int c = 0; c < locals.length; c++) {
                    locals[c] = nextLocal;
                    nextLocal += types.get(c).getSize();
                }
                return locals;
            });
        }

        private int[] homeOf(LambdaFlow.Val v) {
            return home(homeKey(v.from().iterator().next(), v.site()), v.site());
        }

        /** Zeros in every local of the homes of groups of several sites, at the method's start. */
        private InsnList initialisedHomes() {
            InsnList out = new InsnList();
            for (Map.Entry<String, int[]> h : homes.entrySet()) {
                LambdaSite any = homeSites.get(h.getKey());
                if (groups.get(any).size() < 2) continue;
                List<Type> types = layout(any);
                for (int c = 0; c < types.size(); c++) {
                    Type t = types.get(c);
                    out.add(new InsnNode(switch (t.getSort()) {
                        case Type.DOUBLE -> Opcodes.DCONST_0;
                        case Type.FLOAT -> Opcodes.FCONST_0;
                        case Type.LONG -> Opcodes.LCONST_0;
                        case Type.ARRAY, Type.OBJECT -> Opcodes.ACONST_NULL;
                        default -> Opcodes.ICONST_0;
                    }));
                    // typed, so that the lifter takes the local for what it holds (a captured double[]), not Object
                    if (t.getSort() >= Type.ARRAY) out.add(new org.objectweb.asm.tree.TypeInsnNode(Opcodes.CHECKCAST, t.getInternalName()));
                    out.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), h.getValue()[c]));
                }
            }
            return out;
        }

        /** The instructions for {@code insn} (its copy: {@code copied}), null to keep it. */
        private InsnList rewrite(AbstractInsnNode insn, AbstractInsnNode copied, Frame<LambdaFlow.Val> f) {
            int op = insn.getOpcode();
            LambdaFlow.Val top = f.getStackSize() > 0 ? f.getStack(f.getStackSize() - 1) : null;
            InsnList out = new InsnList();
            if (insn instanceof InvokeDynamicInsnNode d && sites.containsKey(d)) { // the captured values into the group's home
                LambdaSite site = sites.get(d);
                int[] home = home(homeKey(d, site), site);
                int offset = offset(site);
                for (int c = site.captured().length - 1; c >= 0; c--) {
                    out.add(new VarInsnNode(site.captured()[c].getOpcode(Opcodes.ISTORE), home[offset + c]));
                }
                if (groups.get(site).size() > 1) { // which of the group made it
                    out.add(new org.objectweb.asm.tree.LdcInsnNode(groups.get(site).indexOf(site)));
                    out.add(new VarInsnNode(Opcodes.ISTORE, home[home.length - 1]));
                }
                out.add(new InsnNode(Opcodes.ACONST_NULL));
                return out;
            }
            if (top == null || op < 0) return null;
            switch (op) {
                case Opcodes.ASTORE -> {
                    if (!top.isLambda()) return null;
                    int[] from = homeOf(top);
                    int[] to = home(((VarInsnNode) insn).var + "/" + order.indexOf(groups.get(top.site()).get(0).insn()), top.site());
                    if (from != to) {
                        List<Type> types = layout(top.site());
                        for (int c = 0; c < from.length; c++) {
                            out.add(new VarInsnNode(types.get(c).getOpcode(Opcodes.ILOAD), from[c]));
                            out.add(new VarInsnNode(types.get(c).getOpcode(Opcodes.ISTORE), to[c]));
                        }
                    }
                    out.add(copied.clone(null));
                    return out;
                }
                case Opcodes.IFNULL, Opcodes.IFNONNULL -> { // never null
                    if (!top.isLambda()) return null;
                    out.add(new InsnNode(Opcodes.POP));
                    if (op == Opcodes.IFNONNULL) out.add(new JumpInsnNode(Opcodes.GOTO, ((JumpInsnNode) copied).label));
                    return out;
                }
                case Opcodes.INVOKESTATIC -> {
                    return isNullCheck(insn) && top.isLambda() ? out : null;
                }
                case Opcodes.INVOKEINTERFACE -> {
                    MethodInsnNode call = (MethodInsnNode) insn;
                    Type[] args = Type.getArgumentTypes(call.desc);
                    LambdaFlow.Val receiver = f.getStack(f.getStackSize() - args.length - 1);
                    if (!receiver.isLambda()) return null;
                    return called(receiver, args, out);
                }
                default -> {
                    return null;
                }
            }
        }

        /**
         * The call of the interface method: its arguments aside, the placeholder dropped, the body
         * called; for a group of several sites, the body of the site its tag names.
         */
        private InsnList called(LambdaFlow.Val receiver, Type[] args, InsnList out) {
            int[] temps = new int[args.length];
            for (int a = 0; a < args.length; a++) {
                temps[a] = nextLocal;
                nextLocal += args[a].getSize();
            }
            for (int a = args.length - 1; a >= 0; a--) out.add(new VarInsnNode(args[a].getOpcode(Opcodes.ISTORE), temps[a]));
            out.add(new InsnNode(Opcodes.POP));
            int[] home = homeOf(receiver);
            List<LambdaSite> group = groups.get(receiver.site());
            org.objectweb.asm.tree.LabelNode end = new org.objectweb.asm.tree.LabelNode();
            for (int k = 0; k < group.size(); k++) {
                LambdaSite site = group.get(k);
                org.objectweb.asm.tree.LabelNode next = new org.objectweb.asm.tree.LabelNode();
                if (k < group.size() - 1) {
                    out.add(new VarInsnNode(Opcodes.ILOAD, home[home.length - 1]));
                    out.add(new org.objectweb.asm.tree.LdcInsnNode(k));
                    out.add(new JumpInsnNode(Opcodes.IF_ICMPNE, next));
                }
                int offset = offset(site);
                for (int c = 0; c < site.captured().length; c++) {
                    out.add(new VarInsnNode(site.captured()[c].getOpcode(Opcodes.ILOAD), home[offset + c]));
                }
                for (int a = 0; a < args.length; a++) {
                    out.add(new VarInsnNode(args[a].getOpcode(Opcodes.ILOAD), temps[a]));
                    out.add(site.adaptArgument(a));
                }
                MethodInsnNode body = site.call();
                bodyCalls.add(body);
                out.add(body);
                out.add(site.adaptResult());
                if (k < group.size() - 1) {
                    out.add(new JumpInsnNode(Opcodes.GOTO, end));
                    out.add(next);
                }
            }
            out.add(end);
            return out;
        }
    }
}
