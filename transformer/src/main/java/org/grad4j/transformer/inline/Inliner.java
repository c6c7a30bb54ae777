package org.grad4j.transformer.inline;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Inlining (DESIGN §5, issue 7): a call of a small helper is replaced by the helper's body
 * before the method is lifted, so that the helper's statements join the caller's region. A
 * differentiated call otherwise costs a generated function, a continuation object and a frame
 * per call, and it ends the caller's region (a loop that calls {@code sigmoid} runs as four
 * functions per iteration and is never strip-mined).
 *
 * <p>Works on bytecode: the arguments are stored into fresh locals above the caller's, the
 * helper's instructions follow with their locals moved up, and each {@code return} jumps to the
 * end, leaving the result on the operand stack where the call left it. Only calls chosen by the
 * {@code bodyOf} function are inlined, one level deep (calls inside an inlined body stay calls;
 * the caller hands over bodies with their own helpers already inlined where it wants more). The
 * helper's line numbers become {@link InlinedLines}' synthetic ones, which stand for the helper's
 * line and the call's: a refusal names both, a stack trace the line of the call.
 */
public final class Inliner {
    /** Helpers up to this many instructions are inlined. */
    public static final int MAX_INSTRUCTIONS = 160;
    /**
     * Helpers called by inlined helpers are inlined too, up to this many levels of calls (a
     * quaternion from an axis: axisAngle, normalized, length, dot).
     */
    public static final int MAX_DEPTH = 4;

    private Inliner() {}

    /**
     * The method with every call for which {@code bodyOf} returns a body inlined; the method
     * itself when there is none. The original is not changed.
     *
     * @param bodyOf the body to inline for a call (one the call always reaches: static, private
     *     or final; see {@link #isInlinable}), or null to keep the call
     * @param stackBelow the types of the values on the operand stack beneath a call's operands
     *     (bottom first), or null when unknown. A body with a loop needs an empty operand stack
     *     (a loop header that carries the caller's half-built expression would hold values no
     *     generated function can take as parameters in order): those values are stored into
     *     locals around the body ({@code s += sum(v)}: {@code s} waits in a local); the caller
     *     returns null where one of them is an object under construction (a {@code new} not yet
     *     initialised, which no local may hold), and the call stays a call.
     */
    public static MethodNode inline(MethodNode method, Function<MethodInsnNode, MethodNode> bodyOf,
                                    Function<AbstractInsnNode, Type[]> stackBelow) {
        return inline(method, bodyOf, stackBelow, call -> false);
    }

    /**
     * @param onThis whether a call's receiver is the caller's {@code this}, which the caller never
     *     reassigns: the body then reads its own {@code this} from the caller's slot 0 instead of a
     *     copy, so the caller's reads of its fields ({@link InvariantFieldReads}) take in the
     *     body's too — a model's per-sample helper reading {@code this.w} in the loop over samples
     */
    public static MethodNode inline(MethodNode method, Function<MethodInsnNode, MethodNode> bodyOf,
                                    Function<AbstractInsnNode, Type[]> stackBelow,
                                    java.util.function.Predicate<MethodInsnNode> onThis) {
        Map<MethodInsnNode, MethodNode> sites = new HashMap<>();
        Map<MethodInsnNode, Type[]> spills = new HashMap<>();
        for (AbstractInsnNode insn : method.instructions) {
            // (an interface call too: bodyOf gives a body only where the call is exact, a private interface method's)
            if (insn instanceof MethodInsnNode call) {
                MethodNode body = bodyOf.apply(call);
                if (body == null) continue;
                Type[] below = hasLoop(body) ? stackBelow.apply(call) : new Type[0];
                if (below == null || !canSpill(below)) continue;
                sites.put(call, body);
                spills.put(call, below);
            }
        }
        if (sites.isEmpty()) return method;
        MethodNode copy = ClassFiles.copy(method);
        int base = method.maxLocals;
        int extraLocals = 0;
        int extraStack = 0;
        // copyOf keeps the instruction order, so the i-th instruction of the copy is the i-th of the original
        AbstractInsnNode[] originals = method.instructions.toArray();
        AbstractInsnNode[] copies = copy.instructions.toArray();
        int line = 0; // the caller's line in force
        for (int i = 0; i < originals.length; i++) {
            if (originals[i] instanceof LineNumberNode ln) line = ln.line;
            MethodNode body = originals[i] instanceof MethodInsnNode call ? sites.get(call) : null;
            if (body == null) continue;
            Type[] below = spills.get((MethodInsnNode) originals[i]);
            boolean sharesThis = (body.access & Opcodes.ACC_STATIC) == 0 && !storesThis(body)
                    && onThis.test((MethodInsnNode) originals[i]);
            MethodInsnNode call = (MethodInsnNode) originals[i];
            copy.instructions.insert(copies[i], bodyAt(body, base, below, sharesThis, call.owner, line));
            copy.instructions.remove(copies[i]);
            int spilled = 0;
            for (Type t : below) spilled += t.getSize();
            extraLocals = Math.max(extraLocals, body.maxLocals + spilled + 2); // + the result, while the spill comes back
            extraStack = Math.max(extraStack, body.maxStack);
        }
        // inlined bodies never overlap in time, so they share one range of locals above the caller's
        copy.maxLocals = base + extraLocals;
        copy.maxStack = method.maxStack + extraStack;
        return copy;
    }

    /** The caller vets objects beneath (none under construction); other kinds of value always spill. */
    private static boolean canSpill(Type[] below) {
        for (Type t : below) {
            if (t.getSort() == Type.METHOD || t.getSort() == Type.VOID) return false;
        }
        return true;
    }

    /**
     * Whether a method's body can be inlined: concrete, small, and nothing the body's own
     * analysis would treat specially (exception handlers, locks, {@code invokedynamic} sites
     * other than lambdas'). Switches are fine (labels are copied). Whether the call reaches exactly this
     * body (a static, private or final method) is the caller's to decide.
     */
    public static boolean isInlinable(MethodNode m) {
        return whyNotInlinable(m) == null;
    }

    /**
     * Why {@link #isInlinable} refuses a body, in words for a message ("it has over 160
     * instructions"), or null when it does not.
     */
    public static String whyNotInlinable(MethodNode m) {
        return whyNotInlinable(m, MAX_INSTRUCTIONS);
    }

    /** As {@link #whyNotInlinable(MethodNode)}, for bodies of up to {@code limit} instructions. */
    public static String whyNotInlinable(MethodNode m, int limit) {
        if ((m.access & Opcodes.ACC_ABSTRACT) != 0) return "it is abstract";
        if ((m.access & Opcodes.ACC_NATIVE) != 0) return "it is native";
        if ((m.access & Opcodes.ACC_SYNCHRONIZED) != 0) return "it is synchronized";
        if (!m.tryCatchBlocks.isEmpty()) return "it has a try/catch";
        int count = 0;
        for (AbstractInsnNode insn : m.instructions) {
            int op = insn.getOpcode();
            if (op >= 0 && ++count > limit) return "it has over " + limit + " instructions";
            switch (op) {
                case Opcodes.INVOKEDYNAMIC -> {
                    // a lambda it makes becomes the caller's, which calls it there (LambdaObjects): a factory
                    // returning x -> k * x, a helper handing t -> f(t, k) to its integrator; a string it builds
                    // (a check's message, throw new IllegalArgumentException("radius " + r)) is the caller's too
                    String bootstrap = ((org.objectweb.asm.tree.InvokeDynamicInsnNode) insn).bsm.getOwner();
                    if (!bootstrap.equals("java/lang/invoke/LambdaMetafactory")
                            && !bootstrap.equals("java/lang/invoke/StringConcatFactory")) {
                        return "it makes a dynamic call (invokedynamic)";
                    }
                }
                case Opcodes.MONITORENTER, Opcodes.MONITOREXIT -> {
                    return "it has a synchronized block";
                }
                default -> { }
            }
        }
        return null;
    }

    /**
     * What a method of the program must be for its body to take the place of its call (see
     * {@code Transformer.expandedBody}), in words for a refusal of something passed to it, with
     * the limit {@code body} passes if it is known; "" for a JDK method.
     */
    static String whyNotInlined(MethodInsnNode call, MethodNode body) {
        return whyNotInlined(call, body, null);
    }

    /**
     * As above, with the reason the caller found ("it calls Pricing.d2, which is not inlined: it is
     * recursive"; with or without its leading ": "), which takes the place of the body's own limit.
     */
    static String whyNotInlined(MethodInsnNode call, MethodNode body, String reason) {
        String owner = call.owner;
        if (owner.startsWith("java/") || owner.startsWith("javax/") || owner.startsWith("jdk/")) return "";
        String why = reason != null && !reason.isEmpty() ? reason.replaceFirst("^: ", "")
                : body == null ? null : whyNotInlinable(body);
        boolean recursive = why != null && why.endsWith("it is recursive");
        return " (grad4j inlines a method that is not overridable or recursive, of at most " + MAX_INSTRUCTIONS
                + " instructions, whose own calls go at most " + MAX_DEPTH + " levels deep"
                + (why != null ? "; " + why : "") + (recursive ? RECURSIVE_REMEDY : ": flatten a longer chain of calls, or pass "
                + "the object's fields instead") + ")";
    }

    /**
     * What to do when the method an object or lambda is given to is recursive (adaptive quadrature
     * given its integrand): a recursive method is differentiated call by call, and what it is given
     * must be differentiable values it can pass on.
     */
    public static final String RECURSIVE_REMEDY = ": pass the differentiable values themselves down the recursion as "
            + "parameters (a double[] of parameters, say) and compute the function from them in a static method it calls";

    /** Whether a body jumps backwards (javac's loops do; its forward branches never form one). */
    public static boolean hasLoop(MethodNode m) {
        Map<LabelNode, Integer> position = new HashMap<>();
        int index = 0;
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof LabelNode l) position.put(l, index);
            index++;
        }
        index = 0;
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof JumpInsnNode j && position.get(j.label) <= index) return true;
            index++;
        }
        return false;
    }

    /** Whether a method stores into its slot 0 (its {@code this}, for an instance method). */
    public static boolean storesThis(MethodNode m) {
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof VarInsnNode v && v.var == 0 && v.getOpcode() == Opcodes.ASTORE) return true;
        }
        return false;
    }

    /**
     * Whether {@code jump} is the receiver check {@link #bodyAt} writes: an {@code ifnonnull}
     * whose fall-through throws null (the NullPointerException) and nothing else.
     */
    static boolean isReceiverCheck(JumpInsnNode jump) {
        if (jump.getOpcode() != Opcodes.IFNONNULL) return false;
        AbstractInsnNode first = realNext(jump);
        AbstractInsnNode second = first == null ? null : realNext(first);
        return first != null && first.getOpcode() == Opcodes.ACONST_NULL && second != null && second.getOpcode() == Opcodes.ATHROW;
    }

    private static AbstractInsnNode realNext(AbstractInsnNode insn) {
        AbstractInsnNode next = insn.getNext();
        while (next != null && next.getOpcode() < 0) next = next.getNext();
        return next;
    }

    /**
     * The body's instructions for one call site: argument stores (the receiver's after a null
     * check, as the call would make: {@code athrow} of null throws the NullPointerException; none
     * when it is the caller's {@code this}, read from slot 0), the body, the end label.
     */
    private static InsnList bodyAt(MethodNode body, int base, Type[] below, boolean sharesThis, String owner, int callLine) {
        InsnList out = new InsnList();
        boolean instance = (body.access & Opcodes.ACC_STATIC) == 0;
        Type[] args = Type.getArgumentTypes(body.desc);
        int[] slot = new int[args.length];
        int next = base + (instance ? 1 : 0);
        for (int a = 0; a < args.length; a++) {
            slot[a] = next;
            next += args[a].getSize();
        }
        for (int a = args.length - 1; a >= 0; a--) out.add(new VarInsnNode(args[a].getOpcode(Opcodes.ISTORE), slot[a]));
        if (sharesThis) {
            out.add(new InsnNode(Opcodes.POP)); // the caller's this, never null
        } else if (instance) {
            LabelNode present = new LabelNode();
            out.add(new InsnNode(Opcodes.DUP));
            out.add(new JumpInsnNode(Opcodes.IFNONNULL, present));
            out.add(new InsnNode(Opcodes.ACONST_NULL));
            out.add(new InsnNode(Opcodes.ATHROW));
            out.add(present);
            out.add(new VarInsnNode(Opcodes.ASTORE, base));
        }
        // what waits beneath the call goes to locals above the body's, and comes back under the result
        int[] spill = new int[below.length];
        int free = base + body.maxLocals;
        for (int k = 0; k < below.length; k++) {
            spill[k] = free;
            free += below[k].getSize();
        }
        for (int k = below.length - 1; k >= 0; k--) out.add(new VarInsnNode(below[k].getOpcode(Opcodes.ISTORE), spill[k]));
        LabelNode end = new LabelNode();
        Map<LabelNode, LabelNode> labels = new HashMap<>();
        for (AbstractInsnNode insn : body.instructions) if (insn instanceof LabelNode l) labels.put(l, new LabelNode());
        boolean helperLines = false;
        for (AbstractInsnNode insn : body.instructions) {
            if (insn instanceof LineNumberNode ln) {
                out.add(new LineNumberNode(InlinedLines.of(owner, body.name, ln.line, callLine), labels.get(ln.start)));
                helperLines = true;
                continue;
            }
            if (insn.getType() == AbstractInsnNode.FRAME) continue;
            int op = insn.getOpcode();
            if (op >= Opcodes.IRETURN && op <= Opcodes.RETURN) {
                out.add(new JumpInsnNode(Opcodes.GOTO, end));
            } else if (insn instanceof VarInsnNode v) {
                out.add(new VarInsnNode(op, sharesThis && v.var == 0 ? 0 : v.var + base));
            } else if (insn instanceof IincInsnNode inc) {
                out.add(new IincInsnNode(inc.var + base, inc.incr));
            } else {
                out.add(insn.clone(labels));
            }
        }
        out.add(end);
        if (helperLines && callLine > 0) out.add(new LineNumberNode(callLine, end)); // the caller's line again
        if (below.length > 0) {
            Type result = Type.getReturnType(body.desc);
            if (result.getSort() != Type.VOID) out.add(new VarInsnNode(result.getOpcode(Opcodes.ISTORE), free));
            for (int k = 0; k < below.length; k++) out.add(new VarInsnNode(below[k].getOpcode(Opcodes.ILOAD), spill[k]));
            if (result.getSort() != Type.VOID) out.add(new VarInsnNode(result.getOpcode(Opcodes.ILOAD), free));
        }
        return out;
    }
}
