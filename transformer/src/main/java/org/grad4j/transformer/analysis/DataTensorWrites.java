package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.inline.InlinedLines;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Temp;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Refuses an in-place change of a data tensor (one that does not depend on the inputs) that an
 * operation on differentiable values may already have read. Reverse rules read their operands
 * when the reverse pass runs, after the whole forward pass: in {@code a = w.mul(c); c.addi(10)}
 * the rule of {@code mul} would see the new {@code c}. Changes before the first such read
 * (building a mask, then using it) are fine.
 *
 * <p>A forward dataflow over the CFG; its state says which objects each reference slot may
 * hold, which objects an active operation has read, and which escaped (stored into an array or
 * a field, or handed to a call, so that any unknown reference may lead to them again). Objects
 * are abstract: {@link #UNKNOWN} for every array the method did not make itself (parameters,
 * fields, elements, results of calls: any of them may alias any other), and for each ND4J call
 * that returns a new array, its most recent array and all older ones (the recency abstraction:
 * a fresh tensor per loop iteration is not the one the previous iteration's operation read).
 * An ND4J result not known to be new (a view from {@code get}, {@code reshape},
 * {@code transpose}..., or the receiver an in-place call returns), and an ND4J object made with
 * tensors (an op), is the same object as its arguments. A change is an ND4J call that may write
 * an argument ({@link TensorWrites#mayWrite}), or a call of the program whose bodies may
 * ({@link TensorWriters}).
 */
final class DataTensorWrites {
    private static final int UNKNOWN = 0;

    private final MethodIr ir;
    private final Cfg cfg;
    private final Activity activity;
    private final Refusal refusal;
    private final TensorWriters writers;
    /** ND4J calls that return a new array, numbered: their objects are {@code 1 + 2k} (newest) and {@code 2 + 2k}. */
    private final Map<Stmt, Integer> sites = new IdentityHashMap<>();
    /** The first active read of each site's objects (index 0: unknown objects), for messages. */
    private final Stmt[] firstReads;
    /** Each statement's place in reverse postorder: a read placed after a change reaches it only through a back edge. */
    private final Map<Stmt, Integer> order = new IdentityHashMap<>();

    private DataTensorWrites(MethodIr ir, Cfg cfg, Activity activity, CallResolver calls, Refusal refusal) {
        this.ir = ir;
        this.cfg = cfg;
        this.activity = activity;
        this.refusal = refusal;
        this.writers = new TensorWriters(calls);
        for (Block b : ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if (s.result() != null && isReference(s.result()) && !activity.isActive(s.result())
                        && TensorWrites.isNd4j(s) && TensorWrites.isFreshResult(s)) {
                    sites.put(s, sites.size());
                }
            }
        }
        firstReads = new Stmt[sites.size() + 1];
        for (int b : cfg.reversePostOrder()) for (Stmt s : ir.block(b).stmts()) order.put(s, order.size());
    }

    /** Runs the analysis and throws the refusal of the first in-place change of a tensor already read. */
    static void check(MethodIr ir, Cfg cfg, Activity activity, CallResolver calls, Refusal refusal) {
        new DataTensorWrites(ir, cfg, activity, calls, refusal).run();
    }

    /** What is known at a point of the program. */
    private static final class State {
        final Map<Integer, BitSet> slots = new HashMap<>();
        final BitSet read = new BitSet();
        final BitSet escaped = new BitSet();

        State copy() {
            State c = new State();
            slots.forEach((slot, objects) -> c.slots.put(slot, (BitSet) objects.clone()));
            c.read.or(read);
            c.escaped.or(escaped);
            return c;
        }

        void join(State other) {
            other.slots.forEach((slot, objects) -> slots.computeIfAbsent(slot, k -> new BitSet()).or(objects));
            read.or(other.read);
            escaped.or(other.escaped);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && slots.equals(s.slots) && read.equals(s.read) && escaped.equals(s.escaped);
        }

        @Override
        public int hashCode() {
            return slots.hashCode();
        }
    }

    private void run() {
        State seed = new State();
        int[] slots = ir.parameterSlots();
        Type[] types = Type.getArgumentTypes(ir.descriptor());
        int first = ir.isStatic() ? 0 : 1;
        if (!ir.isStatic()) seed.slots.put(slots[0], unknown(seed));
        for (int p = 0; p < types.length; p++) {
            if (types[p].getSort() >= Type.ARRAY) seed.slots.put(slots[first + p], unknown(seed));
        }
        int n = ir.size();
        State[] exit = new State[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int b : cfg.reversePostOrder()) {
                State out = transfer(ir.block(b), entry(b, seed, exit), false);
                if (!out.equals(exit[b])) {
                    exit[b] = out;
                    changed = true;
                }
            }
        }
        BitSet doomed = activity.blocksThatAlwaysThrow(); // their changes happen after the last use that counts
        for (int b : cfg.reversePostOrder()) {
            if (!doomed.get(b)) transfer(ir.block(b), entry(b, seed, exit), true);
        }
    }

    private State entry(int b, State seed, State[] exit) {
        State in = b == 0 ? seed.copy() : new State();
        for (int p : cfg.preds(b)) if (exit[p] != null) in.join(exit[p]);
        return in;
    }

    private State transfer(Block b, State in, boolean check) {
        State st = in.copy();
        Map<Value, BitSet> objects = new IdentityHashMap<>();
        for (EntryValue e : b.reads().values()) {
            if (!isReference(e)) continue;
            BitSet known = st.slots.get(e.slot());
            objects.put(e, known != null ? (BitSet) known.clone() : unknown(st));
        }
        for (Stmt s : b.stmts()) step(s, st, objects, check);
        b.exitValues().forEach((slot, v) -> {
            if (isReference(v)) st.slots.put(slot, (BitSet) objectsOf(v, objects, st).clone());
            else st.slots.remove(slot);
        });
        return st;
    }

    private void step(Stmt s, State st, Map<Value, BitSet> objects, boolean check) {
        boolean invoke = s.isInvoke() && !s.isNewInit() && s.insn() instanceof MethodInsnNode;
        Callee callee = invoke ? activity.callee(s) : null;
        // what an active operation reads: its data operands, and for a differentiated body whatever it may reach
        if (invoke && activity.isActive(s) && (callee instanceof Callee.Ruled || callee instanceof Callee.Differentiated)) {
            BitSet reads = new BitSet();
            for (Value v : s.args()) {
                if (v.kind() == Types.Kind.TENSOR) {
                    if (!activity.isActive(v)) reads.or(objectsOf(v, objects, st));
                } else if (mayHoldTensors(v.type())) { // an INDArray[] (active or not), an Object: its elements
                    reads.or(objectsOf(v, objects, st));
                    reads.or(unknown(st));
                }
            }
            if (callee instanceof Callee.Differentiated) reads.or(unknown(st));
            markRead(st, reads, s);
        }
        if (check && invoke && TensorWrites.isNd4j(s)) {
            BitSet written = TensorWrites.mayWrite(s, callee instanceof Callee.Ruled);
            for (int k = written.nextSetBit(0); k >= 0; k = written.nextSetBit(k + 1)) {
                if (activity.isActive(s.arg(k))) continue;
                BitSet hit = (BitSet) objectsOf(s.arg(k), objects, st).clone();
                hit.and(st.read);
                if (!hit.isEmpty()) throw refusal((MethodInsnNode) s.insn(), s, k, hit);
            }
        }
        if (check && invoke) checkCalleeWrites(s, st, objects);
        // escapes: what a call, a store or a lambda receives may come back from anywhere
        if ((invoke && !TensorWrites.isNd4j(s)) || s.opcode() == Opcodes.INVOKEDYNAMIC || s.isNewInit()) {
            for (Value v : s.args()) if (isReference(v)) st.escaped.or(objectsOf(v, objects, st));
        } else if (s.opcode() == Opcodes.AASTORE || s.opcode() == Opcodes.PUTFIELD || s.opcode() == Opcodes.PUTSTATIC) {
            Value stored = s.arg(s.args().size() - 1);
            if (isReference(stored)) st.escaped.or(objectsOf(stored, objects, st));
        }
        Temp result = s.result();
        if (result == null || !isReference(result)) return;
        Integer site = sites.get(s);
        if (site != null) {
            renew(site, st, objects);
            BitSet fresh = new BitSet();
            fresh.set(1 + 2 * site);
            objects.put(result, fresh);
        } else if (activity.isActive(result)) {
            objects.put(result, new BitSet()); // active arrays are never changed in place (Activity refuses it)
        } else if (invoke && TensorWrites.isNd4j(s) || s.opcode() == Opcodes.CHECKCAST
                || s.isNewInit() && ((MethodInsnNode) s.insn()).owner.startsWith("org/nd4j/")) {
            // an ND4J op made with c (new BernoulliDistribution(c, p)) leads to c: exec(op) writes c
            BitSet shared = new BitSet(); // a view or the receiver: the same memory as its arguments
            for (Value v : s.args()) if (isReference(v)) shared.or(objectsOf(v, objects, st));
            objects.put(result, shared);
        } else {
            objects.put(result, unknown(st));
        }
    }

    /** A new array at {@code site}: what was its newest becomes one of its older ones. */
    private static void renew(int site, State st, Map<Value, BitSet> objects) {
        int newest = 1 + 2 * site;
        java.util.List<BitSet> all = new java.util.ArrayList<>(st.slots.values());
        all.addAll(objects.values());
        all.add(st.read);
        all.add(st.escaped);
        for (BitSet set : all) {
            if (set.get(newest)) {
                set.clear(newest);
                set.set(newest + 1);
            }
        }
    }

    private void markRead(State st, BitSet objects, Stmt reader) {
        st.read.or(objects);
        for (int o = objects.nextSetBit(0); o >= 0; o = objects.nextSetBit(o + 1)) {
            int i = o == UNKNOWN ? 0 : 1 + (o - 1) / 2;
            if (firstReads[i] == null) firstReads[i] = reader;
        }
    }

    private static BitSet unknown(State st) {
        BitSet u = (BitSet) st.escaped.clone();
        u.set(UNKNOWN);
        return u;
    }

    private static BitSet objectsOf(Value v, Map<Value, BitSet> objects, State st) {
        BitSet known = objects.get(v);
        if (known != null) return known;
        if (v instanceof Const) return new BitSet(); // null
        return unknown(st);
    }

    /** An array of tensors, or a type a tensor may hide behind. */
    private static boolean mayHoldTensors(Type t) {
        if (t.getSort() == Type.ARRAY) t = t.getElementType();
        return t.getSort() == Type.OBJECT
                && (t.getInternalName().equals(Types.INDARRAY) || t.getInternalName().equals("java/lang/Object"));
    }

    private static boolean isReference(Value v) {
        return v.type().getSort() == Type.OBJECT || v.type().getSort() == Type.ARRAY;
    }

    /**
     * A call of the program (or of a JDK functional interface, whose implementation is the
     * program's) made when a tensor it may reach has been read by an operation on differentiable
     * values — one it is given, or any the method did not make, which a field may hold: refused
     * when a body it may run ({@link TensorWriters}) changes in place a tensor that is neither
     * its own nor an argument no such operation read.
     */
    private void checkCalleeWrites(Stmt s, State st, Map<Value, BitSet> objects) {
        MethodInsnNode m = (MethodInsnNode) s.insn();
        if (m.owner.startsWith("org/nd4j/")) return;
        // a JDK method given a function or an object of the program (list.forEach(m -> m.addi(1))) may run its code
        boolean unseen = CallResolver.isJdk(m.owner) && !TensorWriters.isFunctional(m);
        if (unseen && !givesProgramCode(s)) return;
        BitSet handed = new BitSet();
        BitSet harmless = new BitSet();
        for (int k = 0; k < s.args().size(); k++) {
            Value v = s.arg(k);
            BitSet hit = isReference(v) && !activity.isActive(v) ? (BitSet) objectsOf(v, objects, st).clone() : new BitSet();
            hit.and(st.read);
            if (hit.isEmpty()) harmless.set(k);
            handed.or(hit);
        }
        BitSet reachable = unknown(st); // what a field may hold
        reachable.and(st.read);
        if (handed.isEmpty() && reachable.isEmpty()) return;
        String writer = unseen ? Activity.methodName(m.owner, m.name) + " (given code of the program, which grad4j cannot follow there)" : writers.writer(m, harmless, ir.owner());
        if (writer == null) return;
        String call = "a call of " + Activity.methodName(m.owner, m.name);
        if (!handed.isEmpty()) {
            throw refusal.at(s.line(), call + " with a tensor that an operation on differentiable values has already read"
                            + readAt(handed, s) + ", while " + writer + " changes a tensor in place: the reverse pass "
                            + "reads that operand after the whole function has run",
                    "Pass a copy (c.dup()), or change the tensor only before its first use.");
        }
        throw refusal.at(s.line(), call + " after an operation on differentiable values read a tensor that a field may hold"
                        + readAt(reachable, s) + ", while " + writer + " changes in place a tensor it did not make: the "
                        + "reverse pass reads that operand after the whole function has run",
                "Have the helper return a fresh tensor (Nd4j.zeros(...), x.dup()) instead of changing one kept in a field, or "
                        + "change that tensor only before its first use.");
    }

    /**
     * Whether a call hands the JDK code of the program to run: an argument (the receiver
     * included) of a JDK functional interface type (a lambda) or of a class of the program.
     */
    private static boolean givesProgramCode(Stmt s) {
        for (Value v : s.args()) {
            if (v.type().getSort() != Type.OBJECT || v instanceof Const) continue;
            String n = v.type().getInternalName();
            if (!CallResolver.isJdk(n) || n.startsWith("java/util/function/") || n.equals("java/lang/Runnable")
                    || n.equals("java/util/concurrent/Callable") || n.equals("java/util/Comparator")) {
                return true;
            }
        }
        return false;
    }

    private org.grad4j.TransformException refusal(MethodInsnNode m, Stmt s, int arg, BitSet hit) {
        String n = m.name;
        String target = simpleName(m.owner) + "." + n;
        boolean receiver = arg == 0 && m.getOpcode() != Opcodes.INVOKESTATIC
                && (Types.INDARRAY.equals(m.owner) || m.owner.startsWith("org/nd4j/linalg/api/ndarray/"));
        String remedy;
        if (TensorWrites.isDupOverload(m)) {
            remedy = "Pass true for dup (Transforms." + n + " then returns a new tensor), or call the overload without the "
                    + "boolean.";
        } else if (receiver && (n.startsWith("put") || n.startsWith("assign"))) {
            remedy = "Make a fresh tensor for each use (e.g. Nd4j.zeros(...) inside the loop), or change a copy: "
                    + "c = c.dup(); c." + n + "(...).";
        } else if (receiver && n.matches(".*i(RowVector|ColumnVector)?")) {
            String outOfPlace = n.replaceFirst("i(RowVector|ColumnVector)?$", "$1");
            remedy = "Use the out-of-place operation (c = c." + outOfPlace + "(...) instead of c." + n + "(...)), change a "
                    + "copy (c.dup()), or make a fresh tensor for each iteration.";
        } else {
            remedy = "Give the call a fresh tensor (Nd4j.zeros(...) inside the loop, or c.dup()) rather than one an operation "
                    + "has read, or make the change before the tensor's first use.";
        }
        String what = receiver || TensorWrites.isDupOverload(m) ? "in-place " + target + " of a tensor"
                : "a call of " + target + ", which may change in place a tensor it is given (or that an op it is given holds),";
        return refusal.at(s.line(), what + " that an operation on differentiable values has "
                        + "already read" + readAt(hit, s) + ": its derivative is computed after the whole function has run, "
                        + "and would see the changed values",
                remedy);
    }

    /**
     * Where the first read of {@code objects} is, said of a change made by {@code change}: "in an
     * earlier iteration" when the read comes after the change in reverse postorder, so that it
     * reaches the change only through a loop's back edge.
     */
    private String readAt(BitSet objects, Stmt change) {
        Stmt first = null;
        for (int o = objects.nextSetBit(0); o >= 0; o = objects.nextSetBit(o + 1)) {
            Stmt r = firstReads[o == UNKNOWN ? 0 : 1 + (o - 1) / 2];
            if (r != null && r.line() > 0 && (first == null || r.line() < first.line())) first = r;
        }
        if (first == null) return "";
        boolean earlierIteration = order.getOrDefault(first, -1) > order.getOrDefault(change, Integer.MAX_VALUE);
        return " (at line " + InlinedLines.text(first.line()) + (earlierIteration ? ", in an earlier iteration" : "") + ")";
    }

    private static String simpleName(String internal) {
        return internal.substring(internal.lastIndexOf('/') + 1).replace('$', '.');
    }
}
