package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Differentiable values turned into text: printing and formatting them is fine (the text is data),
 * parsing a number back from such text in the same method is refused, since the number would be a
 * constant where the program means the value. Part of {@link Activity}'s checks.
 */
final class TextValues {
    private final MethodIr ir;
    private final Cfg cfg;
    private final Activity activity;
    private final Refusal refusal;

    TextValues(MethodIr ir, Cfg cfg, Activity activity, Refusal refusal) {
        this.ir = ir;
        this.cfg = cfg;
        this.activity = activity;
        this.refusal = refusal;
    }

    /**
     * A differentiable value turned into text ({@code "" + x}, {@code String.valueOf(x)},
     * {@code String.format}) is data from then on, as printing wants; a number parsed back from
     * text in the same method ({@code Double.parseDouble(...)}) would be a constant where the
     * program means the value — a silently zero derivative. Such a parse is refused.
     */
    void checkNoNumberParsedFromText(BitSet doomed) {
        boolean activeText = false;
        for (Block b : ir.blocks()) {
            if (!cfg.isReachable(b.index()) || doomed.get(b.index())) continue;
            for (Stmt s : b.stmts()) {
                boolean text = s.insn() instanceof InvokeDynamicInsnNode
                        || (s.insn() instanceof MethodInsnNode m && (Activity.isStringConversion(m) || isTextFormatting(m) || makesText(m)));
                if (text) for (Value v : s.args()) activeText |= activity.isActive(v);
                activeText |= isBoxIntoFormatArguments(s);
            }
        }
        if (!activeText) return;
        for (Block b : ir.blocks()) {
            if (!cfg.isReachable(b.index()) || doomed.get(b.index())) continue;
            for (Stmt s : b.stmts()) {
                if (s.insn() instanceof MethodInsnNode m && (parsesNumber(m) || mayParseNumber(m) && !activity.anyActiveArg(s))) {
                    throw refusal.at(s.line(), "a number parsed from text (" + Activity.simpleName(m.owner) + "." + m.name
                                    + ") in a method that turns a differentiable value into text: the parsed number "
                                    + "carries no derivative",
                            "Keep the double itself; to round it, use Math.rint, Math.round or Math.floor (their "
                                    + "derivative is zero, as documented), not a string.");
                }
            }
        }
    }

    /**
     * {@code args[i] = Double.valueOf(x)} with {@code x} differentiable, into the {@code Object[]}
     * javac makes for the arguments of {@code String.format}, {@code printf} and the like: the
     * value becomes text, which carries no derivative (a number parsed back from it is refused, see
     * {@link #checkNoNumberParsedFromText}).
     */
    boolean isBoxIntoFormatArguments(Stmt store) {
        return store.opcode() == Opcodes.AASTORE && activity.isActive(store.arg(2)) && !activity.isActive(store.arg(0))
                && store.arg(2).kind() == Types.Kind.SCALAR && !store.arg(2).isScalarDifferentiable()
                && formatArguments().contains(arrayOf(store.arg(0)));
    }

    /** The method's {@code Object[]}s of format arguments (see {@link #formatArguments()}); null until asked. */
    private Set<Value> formatArguments;

    /** For a value that is one of those arrays as it enters a block, the array (see {@link #arrayOf}). */
    private Map<Value, Value> carried;

    /**
     * Arrays made here ({@code new Object[n]}) that go nowhere but into formatting calls: stored
     * into, carried from block to block in the same slot (a helper inlined between two of its
     * elements, {@code String.format("%s %f", s.from(), x)}, splits the block), and given to
     * formatting calls; never kept in another slot or passed to anything else, where a box could
     * be read back as a number. Found in one pass over the method.
     */
    private Set<Value> formatArguments() {
        if (formatArguments != null) return formatArguments;
        madeArrays = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Block b : ir.blocks()) for (Stmt s : b.stmts()) if (s.opcode() == Opcodes.ANEWARRAY) madeArrays.add(s.result());
        carried = carriedArrays();
        Set<Value> formatted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Value> elsewhere = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Block b : ir.blocks()) {
            for (Map.Entry<Integer, Value> exit : b.exitValues().entrySet()) {
                Value array = arrayOf(exit.getValue());
                if (array == null) continue;
                for (int next : b.successors()) { // read there as this array, whichever way that block is entered
                    Value entry = ir.block(next).reads().get(exit.getKey());
                    if (entry == null || carried.get(entry) != array) elsewhere.add(array);
                }
            }
            for (Value a : b.terminator().args()) if (arrayOf(a) != null) elsewhere.add(arrayOf(a));
            for (Stmt s : b.stmts()) {
                for (int i = 0; i < s.args().size(); i++) {
                    Value array = arrayOf(s.arg(i));
                    if (array == null || s.opcode() == Opcodes.AASTORE && i == 0) continue;
                    boolean formats = s.insn() instanceof MethodInsnNode m && formatsArguments(m);
                    (formats ? formatted : elsewhere).add(array);
                }
            }
        }
        Set<Value> made = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        made.addAll(formatted);
        made.removeAll(elsewhere);
        formatArguments = made;
        return made;
    }

    /** The array made here that {@code v} is, itself or carried into a block; null for any other value. */
    private Value arrayOf(Value v) {
        return v instanceof org.grad4j.transformer.ir.EntryValue ? carried.get(v) : madeArrays.contains(v) ? v : null;
    }

    /** The {@code new Object[n]}s of the method (see {@link #formatArguments}). */
    private Set<Value> madeArrays;

    /**
     * The entry values of blocks that are one of {@link #madeArrays} whichever way the block is entered
     * (every predecessor leaves that array in the slot), to a fixed point: an array carried round
     * a loop is not one.
     */
    private Map<Value, Value> carriedArrays() {
        Map<Value, Value> carried = new IdentityHashMap<>();
        for (boolean grew = true; grew; ) {
            grew = false;
            for (Block b : ir.blocks()) {
                for (org.grad4j.transformer.ir.EntryValue entry : b.reads().values()) {
                    if (carried.containsKey(entry)) continue;
                    Value array = null;
                    List<Integer> predecessors = cfg.preds(b.index());
                    boolean same = !predecessors.isEmpty();
                    for (int p : predecessors) {
                        Block pred = ir.block(p);
                        Value out = pred.exitValues().get(entry.slot());
                        Value a = out == null ? carried.get(pred.reads().get(entry.slot())) // unchanged there
                                : out instanceof org.grad4j.transformer.ir.EntryValue ? carried.get(out) : madeArrays.contains(out) ? out : null;
                        same &= a != null && (array == null || array == a);
                        array = a;
                    }
                    if (same && array != null) {
                        carried.put(entry, array);
                        grew = true;
                    }
                }
            }
        }
        return carried;
    }

    /** A JDK call that turns its varargs into text: String.format, printf and format of a stream, a Formatter, java.text. */
    private static boolean formatsArguments(MethodInsnNode m) {
        return isTextFormatting(m) || Activity.isOutputSink(m) || m.owner.equals("java/util/Formatter") && m.name.equals("format");
    }

    private static boolean isTextFormatting(MethodInsnNode m) {
        return (m.owner.equals("java/lang/String") && (m.name.equals("format") || m.name.equals("formatted")))
                || m.owner.equals("java/lang/Double") && m.name.equals("toString")
                || m.owner.equals("java/lang/Float") && m.name.equals("toString")
                || m.owner.startsWith("java/text/");
    }

    private static boolean parsesNumber(MethodInsnNode m) {
        boolean fromString = m.desc.startsWith("(Ljava/lang/String;") || m.desc.startsWith("(Ljava/lang/CharSequence;");
        return fromString && ((m.owner.equals("java/lang/Double") || m.owner.equals("java/lang/Float"))
                && (m.name.startsWith("parse") || m.name.equals("valueOf") || m.name.equals("<init>"))
                || m.owner.equals("java/math/BigDecimal") && m.name.equals("<init>")
                || m.owner.startsWith("java/text/") && m.name.equals("parse"))
                || m.owner.equals("java/util/Scanner")
                && (m.name.equals("nextDouble") || m.name.equals("nextFloat") || m.name.equals("nextBigDecimal"));
    }

    private static final Set<String> STRINGS = Set.of("Ljava/lang/String;", "Ljava/lang/CharSequence;");
    private static final Set<String> BUILDERS = Set.of("Ljava/lang/StringBuilder;", "Ljava/lang/StringBuffer;");

    /** A call that may turn what it is given into text: it returns text, or is given a builder to append to. */
    private static boolean makesText(MethodInsnNode m) {
        String result = Type.getReturnType(m.desc).getDescriptor();
        if (STRINGS.contains(result) || BUILDERS.contains(result)) return true;
        for (Type a : Type.getArgumentTypes(m.desc)) if (BUILDERS.contains(a.getDescriptor())) return true;
        return false;
    }

    /**
     * A call of the program that takes a string and returns a number: a helper that may parse it
     * (parse(fmt(x))). Asked only of calls given no differentiable value, which run as written,
     * their result data; one given a builder to log into ({@code f(w, log)}) is not a parse.
     */
    private static boolean mayParseNumber(MethodInsnNode m) {
        Type r = Type.getReturnType(m.desc);
        boolean number = Types.isScalarDifferentiable(r) || Types.kind(r) == Types.Kind.SCALAR;
        if (!number || CallResolver.isJdk(m.owner)) return false;
        for (Type a : Type.getArgumentTypes(m.desc)) if (STRINGS.contains(a.getDescriptor())) return true;
        return false;
    }
}
