package org.grad4j.transformer.lift;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Temp;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Value;
import org.grad4j.transformer.read.ClassFiles;
import org.grad4j.transformer.read.ClassHierarchy;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Lifts bytecode to {@link MethodIr} by symbolic execution of each basic block: loads, stores
 * and stack shuffles move values around symbolically; every other instruction becomes a
 * {@link Stmt} over explicit operands. Blocks also end after every method call, so that the
 * point after a differentiable call can start a generated function.
 */
public final class Lifter {
    private final ClassNode owner;
    private final MethodNode method;
    private final Frame<BasicValue>[] frames;
    private final Refusal refusal;
    private final int[] lines;
    private final int[] blockOfInsn;
    private final List<Integer> leaders = new ArrayList<>();
    private final Map<Integer, Map<Integer, PendingNew>> pendingOnEntry = new HashMap<>();
    private int nextTemp;

    private final java.util.function.Predicate<MethodInsnNode> splitsAfter;

    private Lifter(ClassNode owner, MethodNode method, ClassHierarchy hierarchy,
                   java.util.function.Predicate<MethodInsnNode> splitsAfter) {
        this.owner = owner;
        this.splitsAfter = splitsAfter;
        this.method = method;
        this.refusal = new Refusal(owner.name, method.name, owner.sourceFile);
        this.lines = lineNumbers(method);
        refuseUnsupported();
        this.frames = ClassFiles.frames(owner, method, hierarchy);
        this.blockOfInsn = new int[method.instructions.size()];
        findBlocks();
    }

    /**
     * @param splitsAfter the calls that may be differentiated calls: a block ends after each, so
     *     that the point after it can start a generated function
     */
    public static MethodIr lift(ClassNode owner, MethodNode method, ClassHierarchy hierarchy,
                                java.util.function.Predicate<MethodInsnNode> splitsAfter) {
        return new Lifter(owner, method, hierarchy, splitsAfter).lift();
    }

    private void refuseUnsupported() {
        if ((method.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
            throw refusal.at(-1, "the method has no bytecode (abstract or native)",
                    "Differentiate a concrete method, or register a custom rule for it.");
        }
        if ((method.access & Opcodes.ACC_SYNCHRONIZED) != 0) {
            throw refusal.at(firstLine(), "a synchronized method",
                    "The lock would be held across the whole rest of the program in reverse mode; remove "
                            + "'synchronized' and lock around the AD call instead.");
        }
        for (AbstractInsnNode insn : method.instructions) {
            int op = insn.getOpcode();
            if (op == Opcodes.JSR || op == Opcodes.RET) {
                throw refusal.at(lineAt(method.instructions.indexOf(insn)), "a jsr/ret subroutine (pre-Java-6 bytecode)",
                        "Recompile the class with a current javac.");
            }
            if (op == Opcodes.MONITORENTER || op == Opcodes.MONITOREXIT) {
                throw refusal.at(lineAt(method.instructions.indexOf(insn)), "a synchronized block (monitorenter)",
                        "The lock would be held across the whole rest of the program in reverse mode; lock around the AD call instead.");
            }
        }
        for (TryCatchBlockNode block : method.tryCatchBlocks) {
            if (!wrapsInMatchException(block)) continue;
            // the user wrote no try/catch: name what they did write
            throw refusal.at(lineFrom(method.instructions.indexOf(block.start)),
                    "a record pattern (instanceof Point(double x, double y), case Point(var x, var y)), which javac compiles "
                            + "with a hidden try/catch that wraps a failing accessor in MatchException",
                    "Match the type alone (instanceof Point p, case Point p) and call its accessors (p.x()), or deconstruct "
                            + "in a helper that takes and returns no differentiable values.");
        }
        if (!method.tryCatchBlocks.isEmpty()) {
            int line = lineFrom(method.instructions.indexOf(method.tryCatchBlocks.get(0).start));
            boolean catches = method.tryCatchBlocks.stream().anyMatch(b -> b.type != null);
            // a lambda must catch what the method it calls declares (VectorFunction.apply declares nothing)
            String lambdaRemedy = catches && method.name.startsWith("lambda$")
                    ? " A lambda that only catches a checked exception of the method it calls: ask for the gradient of "
                            + "that method itself, AD.gradient(Method, receiver, args), which rethrows what the method "
                            + "throws unchanged (checked exceptions too)."
                    : "";
            throw refusal.at(line, (catches ? "try/catch" : "try/finally") + " (or try-with-resources, or a synchronized block) in "
                            + "differentiable code",
                    "Move the try/catch out of the differentiable method, into the caller of AD, or into a helper "
                            + "that takes and returns no differentiable values (a try/finally too: a timing or metrics "
                            + "wrapper belongs around the call of AD)." + lambdaRemedy);
        }
    }

    /** A handler javac made for a record pattern: it catches Throwable and throws a new MatchException. */
    private static boolean wrapsInMatchException(TryCatchBlockNode block) {
        if (!"java/lang/Throwable".equals(block.type)) return false;
        AbstractInsnNode insn = block.handler;
        for (int i = 0; i < 8 && insn != null; i++, insn = insn.getNext()) {
            if (insn instanceof TypeInsnNode t && t.getOpcode() == Opcodes.NEW) return t.desc.equals("java/lang/MatchException");
        }
        return false;
    }

    private static int[] lineNumbers(MethodNode m) {
        int[] lines = new int[m.instructions.size()];
        int line = -1;
        int i = 0;
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof LineNumberNode ln) line = ln.line;
            lines[i++] = line;
        }
        return lines;
    }

    private int lineAt(int insnIndex) {
        return insnIndex >= 0 && insnIndex < lines.length ? lines[insnIndex] : -1;
    }

    /** The first source line at or after an instruction (try blocks start before their line entry). */
    private int lineFrom(int insnIndex) {
        for (int i = Math.max(insnIndex, 0); i < lines.length; i++) {
            if (lines[i] > 0 && method.instructions.get(i).getOpcode() >= 0) return lines[i];
        }
        return -1;
    }

    private int firstLine() {
        for (int l : lines) if (l > 0) return l;
        return -1;
    }

    private void findBlocks() {
        int n = method.instructions.size();
        boolean[] leader = new boolean[n];
        leader[0] = true;
        int sinceLeader = 0;
        for (int i = 0; i < n; i++) {
            AbstractInsnNode insn = method.instructions.get(i);
            if (leader[i]) sinceLeader = 0;
            // long straight code is cut into blocks, so that a function can end inside it (size-driven splitting)
            // only where the operand stack is empty, so no half-built expression crosses the cut
            if (insn.getOpcode() >= 0 && ++sinceLeader > MAX_BLOCK_INSTRUCTIONS && frames[i] != null
                    && frames[i].getStackSize() == 0) {
                leader[i] = true;
                sinceLeader = 0;
            }
            if (insn instanceof JumpInsnNode j) {
                leader[indexOf(j.label)] = true;
                if (i + 1 < n) leader[i + 1] = true;
            } else if (insn instanceof TableSwitchInsnNode t) {
                leader[indexOf(t.dflt)] = true;
                t.labels.forEach(l -> leader[indexOf(l)] = true);
                if (i + 1 < n) leader[i + 1] = true;
            } else if (insn instanceof LookupSwitchInsnNode t) {
                leader[indexOf(t.dflt)] = true;
                t.labels.forEach(l -> leader[indexOf(l)] = true);
                if (i + 1 < n) leader[i + 1] = true;
            } else if ((insn instanceof MethodInsnNode m && splitsAfter.test(m)) || isExit(insn.getOpcode())) {
                if (i + 1 < n) leader[i + 1] = true;
            }
        }
        int block = -1;
        for (int i = 0; i < n; i++) {
            if (leader[i] && frames[i] != null) {
                block++;
                leaders.add(i);
            }
            blockOfInsn[i] = frames[i] == null ? -1 : block;
        }
    }

    private static final int MAX_BLOCK_INSTRUCTIONS = 64;

    private static boolean isExit(int op) {
        return (op >= Opcodes.IRETURN && op <= Opcodes.RETURN) || op == Opcodes.ATHROW;
    }

    private int indexOf(LabelNode l) {
        return method.instructions.indexOf(l);
    }

    private MethodIr lift() {
        List<Block> blocks = new ArrayList<>();
        for (int b = 0; b < leaders.size(); b++) {
            blocks.add(new BlockLifter(b).lift());
        }
        return new MethodIr(owner.name, method.name, method.desc, (method.access & Opcodes.ACC_STATIC) != 0,
                owner.sourceFile, method.maxLocals, blocks);
    }

    /** Symbolic execution of one block. The stack holds {@link Value}s and {@link PendingNew}s. */
    private final class BlockLifter {
        private final int index;
        private final int start;
        private final int end;
        private final Block block;
        private final Object[] locals;
        private final List<Object> stack = new ArrayList<>();
        private final int maxLocals = method.maxLocals;

        BlockLifter(int index) {
            this.index = index;
            this.start = leaders.get(index);
            this.end = index + 1 < leaders.size() ? leaders.get(index + 1) : method.instructions.size();
            Frame<BasicValue> f = frames[start];
            Map<Integer, PendingNew> pending = pendingOnEntry.getOrDefault(index, Map.of());
            Type[] types = new Type[maxLocals + f.getStackSize()];
            for (int i = 0; i < f.getLocals(); i++) {
                types[i] = typeOf(f.getLocal(i));
                if (isNullType(f.getLocal(i))) nullOnEntry.set(i);
            }
            for (int i = 0; i < f.getStackSize(); i++) {
                types[maxLocals + i] = pending.containsKey(i) ? null : typeOf(f.getStack(i));
                if (!pending.containsKey(i) && isNullType(f.getStack(i))) nullOnEntry.set(maxLocals + i);
            }
            this.block = new Block(index, types);
            this.locals = new Object[maxLocals];
            for (int i = 0; i < f.getStackSize(); i++) {
                stack.add(pending.containsKey(i) ? pending.get(i) : new SlotRef(maxLocals + i));
            }
        }

        /** A not-yet-read slot: resolves to the block's entry value on first use. */
        private record SlotRef(int slot) {}

        /**
         * Slots that hold null on every path into the block ({@code double[] weights = null}, a
         * helper's parameter given a literal null): read as the constant null, not as an entry
         * value. The verifier knows no type for them but null's, and a generated function's
         * parameter of type Object would not pass as the array or object they are used as.
         */
        private final java.util.BitSet nullOnEntry = new java.util.BitSet();

        private Value entry(int slot) {
            if (nullOnEntry.get(slot)) return new Const(new org.objectweb.asm.tree.InsnNode(Opcodes.ACONST_NULL), Type.getObjectType("java/lang/Object"));
            return block.read(slot);
        }

        private boolean isNullType(BasicValue v) {
            return v != null && v.getType() != null && v.getType().getSort() == Type.OBJECT && v.getType().getInternalName().equals("null");
        }

        private Type typeOf(BasicValue v) {
            if (v == null || v == BasicValue.UNINITIALIZED_VALUE || v.getType() == null) return null;
            Type t = v.getType();
            return t.getSort() == Type.OBJECT && t.getInternalName().equals("null") ? Type.getObjectType("java/lang/Object") : t;
        }

        Block lift() {
            for (int i = start; i < end; i++) {
                AbstractInsnNode insn = method.instructions.get(i);
                if (insn.getOpcode() < 0) continue;
                block.setFirstLine(lineAt(i));
                if (step(insn, i)) return block; // terminator reached
            }
            // fell through into the next block
            finish(new Terminator(Terminator.Kind.GOTO, null, List.of(), new int[] {blockOfInsn[end]}, lineAt(end - 1)));
            return block;
        }

        private Value value(Object o) {
            if (o instanceof Value v) return v;
            if (o instanceof SlotRef r) return entry(r.slot());
            throw refusal.at(-1, "an object under construction used before its constructor ran", "Recompile with javac.");
        }

        private Value pop() {
            return value(stack.remove(stack.size() - 1));
        }

        private Object popRaw() {
            return stack.remove(stack.size() - 1);
        }

        private boolean isWide(Object o) {
            if (o instanceof Value v) return v.size() == 2;
            if (o instanceof SlotRef r) return block.entryType(r.slot()).getSize() == 2;
            return false;
        }

        private Value local(int slot) {
            Object o = locals[slot];
            if (o == null) return entry(slot);
            return value(o);
        }

        private Type resultType(int i) {
            Frame<BasicValue> after = frames[i + 1];
            return typeOf(after.getStack(after.getStackSize() - 1));
        }

        private Temp temp(Type t) {
            return new Temp(nextTemp++, t);
        }

        private List<Value> popArgs(int n) {
            Value[] args = new Value[n];
            for (int k = n - 1; k >= 0; k--) args[k] = pop();
            return Arrays.asList(args);
        }

        /** Executes one instruction; true when it ended the block. */
        private boolean step(AbstractInsnNode insn, int i) {
            int op = insn.getOpcode();
            int line = lineAt(i);
            switch (op) {
                case Opcodes.ILOAD, Opcodes.LLOAD, Opcodes.FLOAD, Opcodes.DLOAD, Opcodes.ALOAD ->
                        stack.add(local(((VarInsnNode) insn).var));
                case Opcodes.ISTORE, Opcodes.LSTORE, Opcodes.FSTORE, Opcodes.DSTORE, Opcodes.ASTORE -> {
                    int var = ((VarInsnNode) insn).var;
                    Value v = pop();
                    locals[var] = v;
                    // the upper half of a long/double is unusable until stored again: no value to carry
                    if (v.size() == 2 && var + 1 < maxLocals) locals[var + 1] = null;
                }
                case Opcodes.IINC -> {
                    IincInsnNode inc = (IincInsnNode) insn;
                    Temp t = temp(Type.INT_TYPE);
                    block.add(new Stmt(insn.clone(Map.of()), List.of(local(inc.var)), t, line));
                    locals[inc.var] = t;
                }
                case Opcodes.ACONST_NULL, Opcodes.ICONST_M1, Opcodes.ICONST_0, Opcodes.ICONST_1, Opcodes.ICONST_2,
                        Opcodes.ICONST_3, Opcodes.ICONST_4, Opcodes.ICONST_5, Opcodes.LCONST_0, Opcodes.LCONST_1,
                        Opcodes.FCONST_0, Opcodes.FCONST_1, Opcodes.FCONST_2, Opcodes.DCONST_0, Opcodes.DCONST_1,
                        Opcodes.BIPUSH, Opcodes.SIPUSH, Opcodes.LDC ->
                        stack.add(new Const(insn.clone(Map.of()), resultType(i)));
                case Opcodes.POP -> popRaw();
                case Opcodes.POP2 -> {
                    if (!isWide(popRaw())) popRaw();
                }
                case Opcodes.DUP -> stack.add(stack.get(stack.size() - 1));
                case Opcodes.DUP_X1 -> {
                    Object v1 = popRaw(), v2 = popRaw();
                    push(v1, v2, v1);
                }
                case Opcodes.DUP_X2 -> {
                    Object v1 = popRaw(), v2 = popRaw();
                    if (isWide(v2)) push(v1, v2, v1);
                    else {
                        Object v3 = popRaw();
                        push(v1, v3, v2, v1);
                    }
                }
                case Opcodes.DUP2 -> {
                    Object v1 = popRaw();
                    if (isWide(v1)) push(v1, v1);
                    else {
                        Object v2 = popRaw();
                        push(v2, v1, v2, v1);
                    }
                }
                case Opcodes.DUP2_X1 -> {
                    Object v1 = popRaw();
                    if (isWide(v1)) {
                        Object v2 = popRaw();
                        push(v1, v2, v1);
                    } else {
                        Object v2 = popRaw(), v3 = popRaw();
                        push(v2, v1, v3, v2, v1);
                    }
                }
                case Opcodes.DUP2_X2 -> dup2x2();
                case Opcodes.SWAP -> {
                    Object v1 = popRaw(), v2 = popRaw();
                    push(v1, v2);
                }
                case Opcodes.NEW -> stack.add(new PendingNew(((TypeInsnNode) insn).desc));
                case Opcodes.GOTO -> {
                    finish(new Terminator(Terminator.Kind.GOTO, null, List.of(),
                            new int[] {blockOfInsn[indexOf(((JumpInsnNode) insn).label)]}, line));
                    return true;
                }
                case Opcodes.IFEQ, Opcodes.IFNE, Opcodes.IFLT, Opcodes.IFGE, Opcodes.IFGT, Opcodes.IFLE,
                        Opcodes.IFNULL, Opcodes.IFNONNULL -> {
                    return branch(insn, popArgs(1), line, i);
                }
                case Opcodes.IF_ICMPEQ, Opcodes.IF_ICMPNE, Opcodes.IF_ICMPLT, Opcodes.IF_ICMPGE, Opcodes.IF_ICMPGT,
                        Opcodes.IF_ICMPLE, Opcodes.IF_ACMPEQ, Opcodes.IF_ACMPNE -> {
                    return branch(insn, popArgs(2), line, i);
                }
                case Opcodes.TABLESWITCH, Opcodes.LOOKUPSWITCH -> {
                    List<LabelNode> labels = insn instanceof TableSwitchInsnNode t ? t.labels : ((LookupSwitchInsnNode) insn).labels;
                    LabelNode dflt = insn instanceof TableSwitchInsnNode t ? t.dflt : ((LookupSwitchInsnNode) insn).dflt;
                    int[] succ = new int[labels.size() + 1];
                    succ[0] = blockOfInsn[indexOf(dflt)];
                    for (int k = 0; k < labels.size(); k++) succ[k + 1] = blockOfInsn[indexOf(labels.get(k))];
                    finish(new Terminator(Terminator.Kind.SWITCH, insn, popArgs(1), succ, line));
                    return true;
                }
                case Opcodes.IRETURN, Opcodes.LRETURN, Opcodes.FRETURN, Opcodes.DRETURN, Opcodes.ARETURN -> {
                    finish(new Terminator(Terminator.Kind.RETURN, insn, popArgs(1), new int[0], line));
                    return true;
                }
                case Opcodes.RETURN -> {
                    finish(new Terminator(Terminator.Kind.RETURN, insn, List.of(), new int[0], line));
                    return true;
                }
                case Opcodes.ATHROW -> {
                    finish(new Terminator(Terminator.Kind.THROW, insn, popArgs(1), new int[0], line));
                    return true;
                }
                case Opcodes.INVOKESPECIAL -> {
                    MethodInsnNode m = (MethodInsnNode) insn;
                    int n = Type.getArgumentTypes(m.desc).length;
                    if (m.name.equals("<init>") && stack.get(stack.size() - 1 - n) instanceof PendingNew p) {
                        List<Value> args = popArgs(n);
                        popRaw();
                        Temp t = temp(Type.getObjectType(p.type));
                        block.add(new Stmt(insn.clone(Map.of()), args, t, line));
                        for (int k = 0; k < stack.size(); k++) if (stack.get(k) == p) stack.set(k, t);
                    } else {
                        generic(insn, n + 1, i, line);
                    }
                }
                case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKEINTERFACE ->
                        generic(insn, Type.getArgumentTypes(((MethodInsnNode) insn).desc).length + 1, i, line);
                case Opcodes.INVOKESTATIC -> generic(insn, Type.getArgumentTypes(((MethodInsnNode) insn).desc).length, i, line);
                case Opcodes.INVOKEDYNAMIC -> generic(insn, Type.getArgumentTypes(((InvokeDynamicInsnNode) insn).desc).length, i, line);
                case Opcodes.MULTIANEWARRAY -> generic(insn, ((MultiANewArrayInsnNode) insn).dims, i, line);
                default -> generic(insn, StackEffects.argumentCount(op), i, line);
            }
            return false;
        }

        private void push(Object... values) {
            stack.addAll(Arrays.asList(values));
        }

        private void dup2x2() {
            Object v1 = popRaw();
            if (isWide(v1)) {
                Object v2 = popRaw();
                if (isWide(v2)) push(v1, v2, v1);
                else {
                    Object v3 = popRaw();
                    push(v1, v3, v2, v1);
                }
            } else {
                Object v2 = popRaw(), v3 = popRaw();
                if (isWide(v3)) push(v2, v1, v3, v2, v1);
                else {
                    Object v4 = popRaw();
                    push(v2, v1, v4, v3, v2, v1);
                }
            }
        }

        private void generic(AbstractInsnNode insn, int argc, int i, int line) {
            List<Value> args = popArgs(argc);
            boolean produces = StackEffects.producesValue(insn);
            Temp t = produces ? temp(resultType(i)) : null;
            block.add(new Stmt(insn.clone(Map.of()), args, t, line));
            if (t != null) stack.add(t);
        }

        private boolean branch(AbstractInsnNode insn, List<Value> args, int line, int i) {
            int taken = blockOfInsn[indexOf(((JumpInsnNode) insn).label)];
            int fall = blockOfInsn[i + 1];
            finish(new Terminator(Terminator.Kind.BRANCH, insn, args, new int[] {taken, fall}, line));
            return true;
        }

        private void finish(Terminator t) {
            for (int s = 0; s < maxLocals; s++) {
                if (locals[s] != null) block.setExit(s, value(locals[s]));
            }
            Map<Integer, PendingNew> pending = new HashMap<>();
            for (int k = 0; k < stack.size(); k++) {
                Object o = stack.get(k);
                if (o instanceof PendingNew p) pending.put(k, p);
                else block.setExit(maxLocals + k, value(o));
            }
            if (!pending.isEmpty()) {
                for (int succ : t.successors()) pendingOnEntry.put(succ, pending);
            }
            block.setTerminator(t);
        }

    }
}
