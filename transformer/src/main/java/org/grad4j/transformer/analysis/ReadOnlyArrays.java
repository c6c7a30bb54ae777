package org.grad4j.transformer.analysis;

import java.util.Arrays;
import java.util.BitSet;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Temp;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Arrays whose elements stay as they are from the method's entry until its reverse pass has run,
 * so that the reverse may read an element again instead of keeping the value read (a taped loop
 * then pushes the index, not the element: see {@code TapedLoops}).
 *
 * <p>This holds only in the outermost call of a gradient — between its forward pass and its
 * reverse runs nothing but the top continuation, whereas a helper's caller may overwrite an array
 * after the helper returned — and only when the method writes no array it did not allocate
 * itself: every element store, {@code arraycopy} and {@code fill} goes to an array created in this
 * call ({@code new}, {@code clone}, {@code copyOf}), no reference is stored into a field, and no
 * call could write an array behind its back (a differentiated call, a plain call other than to
 * the boxes and {@code java.lang.Math}). Every array it reads that it did not allocate —
 * parameters, fields, rows of those — is then read-only. Blocks from which every path throws do
 * not count: a gradient never runs backwards through them.
 *
 * <p>The same dataflow tells arrays of different allocations apart ({@link #mayAlias}): a store
 * into one leaves the other's elements as they were, in any call. It also finds arrays allocated
 * here that are <em>settled</em> where they are read ({@link #rereadable}): filled before, never
 * written again in this call, and never handed to anyone who could write them (not passed on,
 * stored, captured or returned, nor put into another array that could be) (GMM's
 * {@code qdiags}, computed in a first loop and read in the main one). Such an element, too, is
 * read again by the reverse instead of kept, in any call, outermost or not.
 */
public final class ReadOnlyArrays {
    /** Knows nothing: no array is read-only, any two may be the same (for tests of other stages). */
    public static final ReadOnlyArrays NONE = new ReadOnlyArrays(null, null, false, false);

    /** Blocks ending in a differentiated call whose callee starts outermost too (see {@link #callsOutermost}). */
    private final BitSet outermostCalls = new BitSet();

    /**
     * Where an array may come from, as bits: {@code INPUT} (a parameter, a field, a row of either,
     * a call's result) and one bit per allocation in this call (allocations past 63 share bits,
     * which only makes two arrays look as if they might be the same).
     */
    static final long INPUT = 1L;

    private final long[][] entryOrigins; // per block, per slot
    private final long[] tempOrigins;    // per temp id

    /** Reads (by result temp id) of an array allocated here that no write can reach any more. */
    private final BitSet settledReads = new BitSet();

    private final boolean freshRows;    // whether a row of an array allocated here is taken to be fresh
    private final boolean rowsAsMatrix; // whether a row of an array allocated here takes its matrix's origin
    private boolean readOnly;           // whether INPUT arrays stay as they are until the reverse has run
    private boolean escapes;            // whether an array allocated here may come back as an INPUT one
    private boolean outermost;          // whether this is the call a gradient starts in, or one it tail-calls

    private ReadOnlyArrays(long[][] entryOrigins, long[] tempOrigins, boolean freshRows, boolean rowsAsMatrix) {
        this.entryOrigins = entryOrigins;
        this.tempOrigins = tempOrigins;
        this.freshRows = freshRows;
        this.rowsAsMatrix = rowsAsMatrix;
    }

    /** The origin bit of an allocation statement: shared by allocations 63 apart, which errs towards "may be the same". */
    static long allocation(Stmt s) {
        return 1L << (1 + s.result().id() % 63);
    }

    /**
     * Where the method's arrays come from, for {@link Activity}'s data-only allocations (nothing
     * read-only): a row of a matrix allocated here counts as its matrix — the caller ties each
     * matrix to the rows stored into it.
     */
    static ReadOnlyArrays origins(MethodIr ir, Cfg cfg, Activity activity) {
        return solve(ir, cfg, activity, false, true);
    }


    /**
     * Where the method's arrays come from; read-only arrays only in its outermost call, and only
     * when it writes none of the arrays it did not allocate.
     */
    public static ReadOnlyArrays of(MethodIr ir, Cfg cfg, Activity activity, boolean outermost) {
        BitSet doomed = activity.blocksThatAlwaysThrow();
        // rows of arrays allocated here are fresh too, unless an array from elsewhere is stored in one
        ReadOnlyArrays r = solve(ir, cfg, activity, true, false);
        if (!storesOnlyFreshRows(ir, cfg, doomed, r)) r = solve(ir, cfg, activity, false, false);
        boolean writesInputs = false;
        for (Block b : ir.blocks()) {
            if (!cfg.isReachable(b.index()) || doomed.get(b.index())) continue;
            for (Stmt s : b.stmts()) {
                writesInputs |= mayWrite(s, activity, r::isFresh);
                r.escapes |= r.letsEscape(s, activity);
            }
        }
        r.readOnly = outermost && !writesInputs;
        r.outermost = outermost;
        r.findSettledReads(ir, cfg, activity, doomed);
        if (!outermost) return r;
        for (Block b : ir.blocks()) {
            Stmt last = b.lastStmt();
            if (last != null && activity.isActiveCall(last) && quietAfter(ir, cfg, activity, doomed, b.index())) {
                r.outermostCalls.set(b.index());
            }
        }
        return r;
    }

    /**
     * Whether the differentiated call that ends {@code block} starts an outermost call too: in the
     * outermost call, when nothing that can run after it writes an array or calls what might — a
     * tail call {@code return f(x)} above all, as in {@code AD.gradient(p -> f(p, data), x)} — its
     * reverse runs right after its forward pass, as the outermost one's does.
     */
    public boolean callsOutermost(int block) {
        return outermostCalls.get(block);
    }

    /**
     * Whether this is an outermost variant: the call a gradient starts in, or one it makes with
     * nothing after it that could write an array (see {@link #callsOutermost}). Such a call runs
     * once per gradient, or once per level of a recursion in tail position.
     */
    public boolean isOutermost() {
        return outermost;
    }

    /**
     * Whether nothing that can run after the call ending {@code block} writes an array: no store,
     * no call that may write one — a differentiated call that only reads its arrays ({@link
     * Activity#callsOnlyReaderOfArrays}: the second child of a tree's node, {@code left = node(..);
     * right = node(..)}) aside — and the call itself does not run again (a loop: an outermost
     * variant's reductions pass over their arrays once per call).
     */
    private static boolean quietAfter(MethodIr ir, Cfg cfg, Activity activity, BitSet doomed, int block) {
        BitSet seen = new BitSet();
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        for (int s : ir.block(block).successors()) work.add(s);
        while (!work.isEmpty()) {
            int b = work.poll();
            if (seen.get(b) || doomed.get(b)) continue;
            if (b == block) return false;
            seen.set(b);
            for (Stmt s : ir.block(b).stmts()) {
                if (mayWrite(s, activity, array -> false) && !activity.callsOnlyReaderOfArrays(s)) return false;
            }
            for (int next : ir.block(b).successors()) work.add(next);
        }
        return true;
    }

    private static boolean storesOnlyFreshRows(MethodIr ir, Cfg cfg, BitSet doomed, ReadOnlyArrays r) {
        for (Block b : ir.blocks()) {
            if (!cfg.isReachable(b.index()) || doomed.get(b.index())) continue;
            for (Stmt s : b.stmts()) {
                if (s.opcode() == Opcodes.AASTORE && (r.origin(s.arg(2)) & INPUT) != 0) return false;
                // arraycopy or fill may put rows from anywhere into a container allocated here
                if (s.insn() instanceof MethodInsnNode m && m.owner.equals("java/lang/System") && m.name.equals("arraycopy")
                        && !isPrimitiveVector(s.arg(2).type())) {
                    return false;
                }
                if (s.insn() instanceof MethodInsnNode m && m.owner.equals("java/util/Arrays") && m.name.equals("fill")
                        && !isPrimitiveVector(s.arg(0).type())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether the elements of {@code array} (a value of the method) never change while its gradient runs. */
    public boolean contains(Value array) {
        return readOnly && origin(array) == INPUT;
    }

    /**
     * Whether the reverse may read the element that {@code load} (an element read) read again and
     * find the same value: its array is read-only ({@link #contains}), or settled where it is read.
     */
    public boolean rereadable(Stmt load) {
        return contains(load.arg(0)) || load.result() != null && settledReads.get(load.result().id());
    }

    /**
     * Marks the element reads of arrays allocated here from which no write to that allocation can
     * be reached: the array's elements are then as they were read until this call's reverse has
     * run. Allocations that may leave the call (stored, passed to a call that may keep or write
     * them, returned) are never settled: their new owner may write them before the reverse runs.
     */
    private void findSettledReads(MethodIr ir, Cfg cfg, Activity activity, BitSet doomed) {
        if (entryOrigins == null) return;
        long leaving = 0;
        long[] writtenIn = new long[ir.size()];
        for (Block b : ir.blocks()) {
            if (!cfg.isReachable(b.index()) || doomed.get(b.index())) continue;
            for (Stmt s : b.stmts()) {
                if (letsEscape(s, activity)) for (Value a : s.args()) leaving |= origin(a) & ~INPUT;
                // an array stored into another (or copied in as a row) leaves with its container,
                // which may be handed on in turn: m[0] = t; zero(m) writes t
                if (s.opcode() == Opcodes.AASTORE) leaving |= origin(s.arg(2)) & ~INPUT;
                if (activity.callee(s) instanceof Callee.ArrayOp op && op.kind() == Callee.ArrayOp.Kind.ARRAYCOPY
                        && !isPrimitiveVector(s.arg(2).type())) {
                    leaving |= origin(s.arg(0)) & ~INPUT;
                }
                writtenIn[b.index()] |= writtenBy(s, activity);
            }
            Terminator t = b.terminator();
            if (t.kind() == Terminator.Kind.RETURN) for (Value a : t.args()) leaving |= origin(a) & ~INPUT;
        }
        // what may be written from each block on: a backward dataflow to a fixpoint
        long[] reach = writtenIn.clone();
        int[] order = cfg.reversePostOrder();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = order.length - 1; i >= 0; i--) {
                int b = order[i];
                long r = reach[b];
                for (int next : ir.block(b).successors()) if (!doomed.get(next)) r |= reach[next];
                if (r != reach[b]) {
                    reach[b] = r;
                    changed = true;
                }
            }
        }
        for (int b : order) {
            if (doomed.get(b)) continue;
            for (Stmt s : ir.block(b).stmts()) {
                if (!isPrimitiveLoad(s)) continue;
                long o = origin(s.arg(0));
                if (o != 0 && (o & INPUT) == 0 && (o & leaving) == 0 && (o & reach[b]) == 0) settledReads.set(s.result().id());
            }
        }
    }

    /**
     * The allocations whose elements the statement may write. Other calls are left out: an
     * allocation they could reach was handed to them, and so never is settled.
     */
    private long writtenBy(Stmt s, Activity activity) {
        switch (s.opcode()) {
            case Opcodes.IASTORE, Opcodes.LASTORE, Opcodes.FASTORE, Opcodes.DASTORE, Opcodes.AASTORE, Opcodes.BASTORE,
                    Opcodes.CASTORE, Opcodes.SASTORE -> {
                return origin(s.arg(0));
            }
            default -> { }
        }
        if (activity.callee(s) instanceof Callee.ArrayOp op && s.insn() instanceof MethodInsnNode && !s.isNewInit()) {
            return switch (op.kind()) {
                case ARRAYCOPY -> origin(s.arg(2));
                case FILL, FILL_RANGE -> origin(s.arg(0));
                case COPY_OF, COPY_OF_RANGE, CLONE, SAME -> 0;
            };
        }
        return 0;
    }

    private static boolean isPrimitiveLoad(Stmt s) {
        return switch (s.opcode()) {
            case Opcodes.DALOAD, Opcodes.FALOAD, Opcodes.IALOAD, Opcodes.LALOAD, Opcodes.BALOAD, Opcodes.CALOAD,
                    Opcodes.SALOAD -> s.result() != null;
            default -> false;
        };
    }

    /**
     * Whether two array values of the method may be the same array: not when they come from
     * different allocations of this call, or one from an allocation and the other from elsewhere.
     */
    public boolean mayAlias(Value a, Value b) {
        if (entryOrigins == null || escapes) return true;
        return (origin(a) & origin(b)) != 0;
    }

    /**
     * Whether the statement puts an array allocated here where it may be read back as one from
     * elsewhere: into a field, into an array not allocated here, or into a call (which may keep
     * it). The origins then no longer tell arrays apart.
     */
    private boolean letsEscape(Stmt s, Activity activity) {
        return switch (s.opcode()) {
            case Opcodes.AASTORE -> isAllocated(s.arg(2)) && !isFresh(s.arg(0));
            case Opcodes.PUTFIELD, Opcodes.PUTSTATIC -> isAllocated(s.arg(s.args().size() - 1));
            // arraycopy of rows copies references: into an array not allocated here, they escape
            default -> (s.isInvoke() || s.opcode() == Opcodes.INVOKEDYNAMIC)
                    && (!(activity.callee(s) instanceof Callee.ArrayOp op)
                        || op.kind() == Callee.ArrayOp.Kind.ARRAYCOPY && !isPrimitiveVector(s.arg(2).type()))
                    && s.args().stream().anyMatch(this::isAllocated);
        };
    }

    private boolean isAllocated(Value v) {
        return (origin(v) & ~INPUT) != 0;
    }

    /** The origin bits of an array value: {@code INPUT} (bit 0) and the allocations it may come from. */
    long origin(Value v) {
        if (v instanceof Temp t) return t.id() < tempOrigins.length ? tempOrigins[t.id()] : INPUT;
        if (v instanceof EntryValue e) return entryOrigins[e.block()][e.slot()];
        return 0; // a constant: null
    }

    /** Where each array value may come from: a forward dataflow over the blocks to a fixpoint. */
    private static ReadOnlyArrays solve(MethodIr ir, Cfg cfg, Activity activity, boolean freshRows, boolean rowsAsMatrix) {
        int slots = 0, temps = 0;
        for (Block b : ir.blocks()) {
            slots = Math.max(slots, b.slotCount());
            for (Stmt s : b.stmts()) if (s.result() != null) temps = Math.max(temps, s.result().id() + 1);
        }
        long[][] entry = new long[ir.size()][slots];
        long[][] exit = new long[ir.size()][slots];
        Arrays.fill(entry[0], INPUT); // parameters (and slots not yet written, which hold nothing)
        ReadOnlyArrays r = new ReadOnlyArrays(entry, new long[temps], freshRows, rowsAsMatrix);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int b : cfg.reversePostOrder()) {
                Block block = ir.block(b);
                long[] in = b == 0 ? entry[0].clone() : new long[slots];
                for (int p : cfg.preds(b)) for (int s = 0; s < slots; s++) in[s] |= exit[p][s];
                entry[b] = in;
                for (Stmt s : block.stmts()) if (s.result() != null) r.tempOrigins[s.result().id()] = r.originOf(s, activity);
                long[] out = in.clone();
                block.exitValues().forEach((slot, v) -> out[slot] = r.origin(v));
                if (!Arrays.equals(out, exit[b])) {
                    exit[b] = out;
                    changed = true;
                }
            }
        }
        return r;
    }

    private long originOf(Stmt s, Activity activity) {
        return switch (s.opcode()) {
            case Opcodes.NEWARRAY, Opcodes.ANEWARRAY, Opcodes.MULTIANEWARRAY -> allocation(s);
            case Opcodes.CHECKCAST -> origin(s.arg(0));
            case Opcodes.AALOAD -> { // a row of a matrix allocated here: any allocation here (which one is not known)
                long container = origin(s.arg(0));
                if (rowsAsMatrix) yield container;
                long rows = (container & ~INPUT) != 0 ? ~INPUT : 0;
                yield container == INPUT ? INPUT : freshRows ? rows | (container & INPUT) : rows | INPUT;
            }
            // a copy of an array of rows is a new array of the same rows
            // a copy of a matrix shares the matrix's rows: with rows counted as their matrix, it is the matrix too
            case Opcodes.INVOKESTATIC, Opcodes.INVOKEVIRTUAL -> isSame(s, activity) ? origin(s.arg(0))
                    : !isCopy(s) ? INPUT : isPrimitiveVector(copied(s)) ? allocation(s)
                    : rowsAsMatrix ? allocation(s) | origin(s.arg(0)) : allocation(s) | INPUT;
            default -> INPUT;
        };
    }

    /** {@code Objects.requireNonNull(a, …)}: {@code a} itself. */
    private static boolean isSame(Stmt s, Activity activity) {
        return activity.callee(s) instanceof Callee.ArrayOp op && op.kind() == Callee.ArrayOp.Kind.SAME;
    }

    private static boolean isCopy(Stmt s) {
        return s.insn() instanceof MethodInsnNode m && !s.isNewInit()
                && (m.name.equals("clone") && m.owner.startsWith("[")
                    || m.owner.equals("java/util/Arrays") && (m.name.equals("copyOf") || m.name.equals("copyOfRange"))
                        && Type.getReturnType(m.desc).getSort() == Type.ARRAY);
    }

    /** The array type a copy copies: {@code clone}'s receiver, {@code copyOf}'s result. */
    private static Type copied(Stmt s) {
        MethodInsnNode m = (MethodInsnNode) s.insn();
        return m.name.equals("clone") ? s.arg(0).type() : Type.getReturnType(m.desc);
    }

    private static boolean isPrimitiveVector(Type t) {
        return t.getSort() == Type.ARRAY && t.getDimensions() == 1 && t.getElementType().getSort() < Type.ARRAY;
    }

    private boolean isFresh(Value array) {
        long o = origin(array);
        return o != 0 && (o & INPUT) == 0;
    }

    /** Whether a call may write an array, or call what might (a {@code Math} function does not). */
    public static boolean mayWriteArrays(Stmt call, Activity activity) {
        return mayWrite(call, activity, array -> false);
    }

    /** Whether the statement may write an array that {@code fresh} does not accept, or call what might. */
    private static boolean mayWrite(Stmt s, Activity activity, java.util.function.Predicate<Value> fresh) {
        switch (s.opcode()) {
            case Opcodes.IASTORE, Opcodes.LASTORE, Opcodes.FASTORE, Opcodes.DASTORE, Opcodes.AASTORE, Opcodes.BASTORE,
                    Opcodes.CASTORE, Opcodes.SASTORE -> {
                return !fresh.test(s.arg(0));
            }
            case Opcodes.PUTFIELD, Opcodes.PUTSTATIC -> { // an array published in a field could come back as an input
                return s.arg(s.args().size() - 1).type().getSort() >= Type.ARRAY;
            }
            case Opcodes.INVOKEDYNAMIC -> { // string concatenation only
                return !(s.insn() instanceof InvokeDynamicInsnNode indy
                        && indy.bsm.getOwner().equals("java/lang/invoke/StringConcatFactory"));
            }
            default -> { }
        }
        if (!(s.insn() instanceof MethodInsnNode m)) return false;
        if (s.isNewInit()) return true; // a constructor may write any array it can reach
        Callee callee = activity.callee(s);
        if (callee instanceof Callee.ArrayOp op) {
            return switch (op.kind()) {
                case ARRAYCOPY -> !fresh.test(s.arg(2));
                case FILL, FILL_RANGE -> !fresh.test(s.arg(0));
                case COPY_OF, COPY_OF_RANGE, CLONE, SAME -> false;
            };
        }
        // Math and the boxes write no array; anything else may (a user's method with a rule of its
        // own may keep values in a static array)
        boolean pureOwner = switch (m.owner) {
            case "java/lang/Math", "java/lang/StrictMath", "java/lang/Double", "java/lang/Float", "java/lang/Integer",
                    "java/lang/Long" -> true;
            default -> false;
        };
        return !(pureOwner && !hasReference(s));
    }

    private static boolean hasReference(Stmt s) {
        for (Value a : s.args()) if (a.type().getSort() >= Type.ARRAY) return true;
        return false;
    }
}
