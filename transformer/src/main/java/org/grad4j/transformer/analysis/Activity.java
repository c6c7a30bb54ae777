package org.grad4j.transformer.analysis;

import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grad4j.TransformException;
import org.grad4j.rules.Rule;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Const;
import org.grad4j.transformer.ir.EntryValue;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Temp;
import org.grad4j.transformer.ir.Terminator;
import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.ir.Value;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Which values are active: those that depend on a differentiated input (forward "varied"
 * analysis, a fixpoint over the blocks) and may pass a derivative on to a result ("useful",
 * {@link UsefulValues}: a double only compared is not). Only active statements get adjoint code; ints,
 * data arrays and objects read for structure stay plain. Arrays of doubles/floats allocated
 * in the method are active from birth, since they may receive active values.
 *
 * <p>After the fixpoint, {@link #checkSupported()} refuses active values flowing where no
 * derivative can follow them (fields, boxing, unknown calls).
 */
public final class Activity {
    static final Set<String> BIT_REINTERPRETATION = Set.of(
            "java/lang/Double.doubleToRawLongBits", "java/lang/Double.doubleToLongBits",
            "java/lang/Float.floatToRawIntBits", "java/lang/Float.floatToIntBits");

    private final MethodIr ir;
    private final boolean[] activeParams;
    private final Cfg cfg;
    private final CallResolver calls;
    private final Refusal refusal;
    private final BitSet[] entryActive;
    private final BitSet[] exitActive;
    private final BitSet activeTemps = new BitSet();
    /**
     * Holders: references to model objects whose {@code @Parameter} fields the gradient wants
     * (the model passed to {@code Model.gradient}, and the sub-modules, arrays and lists reached
     * from it). A call that receives one is differentiated even without active arguments, since
     * the callee may read parameters.
     */
    private final BitSet[] entryHolder;
    private final BitSet[] exitHolder;
    private final BitSet holderTemps = new BitSet();
    private final Map<Stmt, Callee> callees = new IdentityHashMap<>();
    private final Map<Stmt, String> parameterReads = new IdentityHashMap<>();
    /** Doubles that reach the results only through comparisons and casts to int: never active. */
    private final UsefulValues useful;

    /**
     * @param activeParams for each declared parameter (receiver excluded), whether it is
     *     differentiated; parameters of non-differentiable types are never active
     */
    public Activity(MethodIr ir, Cfg cfg, boolean[] activeParams, CallResolver calls, Refusal refusal) {
        this(ir, cfg, activeParams, false, calls, refusal);
    }

    /**
     * @param activeParams for each declared parameter (receiver excluded), whether it is
     *     differentiated; for a reference parameter that cannot carry a derivative, whether it is a
     *     holder of model parameters
     * @param receiverHolds whether the receiver of an instance method is such a holder
     */
    public Activity(MethodIr ir, Cfg cfg, boolean[] activeParams, boolean receiverHolds, CallResolver calls, Refusal refusal) {
        this.ir = ir;
        this.activeParams = activeParams.clone();
        this.cfg = cfg;
        this.calls = calls;
        this.refusal = refusal;
        int n = ir.size();
        entryActive = new BitSet[n];
        exitActive = new BitSet[n];
        entryHolder = new BitSet[n];
        exitHolder = new BitSet[n];
        for (int i = 0; i < n; i++) {
            entryActive[i] = new BitSet();
            exitActive[i] = new BitSet();
            entryHolder[i] = new BitSet();
            exitHolder[i] = new BitSet();
        }
        for (Block b : ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if (s.insn() instanceof MethodInsnNode m && !s.isNewInit()) callees.put(s, calls.resolve(m));
                if (s.insn() instanceof FieldInsnNode f && (f.getOpcode() == Opcodes.GETFIELD || f.getOpcode() == Opcodes.GETSTATIC)) {
                    String key = calls.parameterKey(f);
                    if (key != null) parameterReads.put(s, key);
                }
            }
        }
        useful = new UsefulValues(ir, cfg, callees::get);
        BitSet seed = new BitSet();
        BitSet holderSeed = new BitSet();
        int[] slots = ir.parameterSlots();
        int first = ir.isStatic() ? 0 : 1;
        if (receiverHolds && !ir.isStatic()) holderSeed.set(0);
        Type[] types = Type.getArgumentTypes(ir.descriptor());
        for (int p = 0; p < types.length; p++) {
            if (!activeParams[p]) continue;
            if (Types.isDifferentiable(types[p])) seed.set(slots[first + p]);
            else if (types[p].getSort() >= Type.ARRAY) holderSeed.set(slots[first + p]);
        }
        solve(seed, holderSeed);
        // each round may free more: a table computed from a constant table holds data too
        for (int round = 0; round < MAX_DATA_ONLY_ROUNDS; round++) {
            int before = dataOnly.size();
            dataOnly.addAll(dataOnlyAllocations());
            if (dataOnly.size() == before) break;
            activeTemps.clear(); // fewer values are active now: solve afresh
            holderTemps.clear();
            for (int i = 0; i < n; i++) {
                entryActive[i].clear();
                exitActive[i].clear();
                entryHolder[i].clear();
                exitHolder[i].clear();
            }
            solve(seed, holderSeed);
        }
    }

    /**
     * {@code new double[n]} (or {@code float}) statements and copies of data vectors whose arrays
     * only ever hold data, so need no shadow: {@code Nd4j.create(new double[] {1, 2, 3})}, a
     * constant kernel, a table of weights, {@code y0.clone()} of data only read. By the arrays'
     * origins ({@link ReadOnlyArrays#origins}): no differentiable value is stored, copied or filled
     * into an array that may come from the allocation, and it never goes where one could be later
     * — into a differentiated call (active or not: it may return it), a constructor, a field, a
     * lambda (which may hand it back), another array's element, or back to the caller. Decided with every such allocation still
     * active, then again with those found so far inactive, which can only free more: the answer
     * errs towards a shadow.
     */
    private Set<Stmt> dataOnlyAllocations() {
        ReadOnlyArrays origins = ReadOnlyArrays.origins(ir, cfg, this);
        BitSet doomed = blocksThatAlwaysThrow();
        long receiving = 0; // allocation bits of arrays that may receive differentiable values, or leave
        List<long[]> rowStores = new java.util.ArrayList<>(); // container and row origins of each m[i] = row
        List<long[]> copies = new java.util.ArrayList<>(); // source (INPUT: a differentiable input) and copy of each clone
        for (Block b : ir.blocks()) {
            if (!cfg.isReachable(b.index()) || doomed.get(b.index())) continue;
            for (Stmt s : b.stmts()) {
                switch (s.opcode()) {
                    case Opcodes.DASTORE, Opcodes.FASTORE -> {
                        if (isActive(s.arg(2))) receiving |= origins.origin(s.arg(0));
                    }
                    case Opcodes.AASTORE -> rowStores.add(new long[] {origins.origin(s.arg(0)), origins.origin(s.arg(2))});
                    case Opcodes.PUTFIELD, Opcodes.PUTSTATIC -> receiving |= origins.origin(s.arg(s.args().size() - 1));
                    // a lambda may hand a captured array back (v -> t), to be written where it has no shadow
                    case Opcodes.INVOKEDYNAMIC -> {
                        if (!((InvokeDynamicInsnNode) s.insn()).bsm.getOwner().equals("java/lang/invoke/StringConcatFactory")) {
                            for (Value a : s.args()) receiving |= origins.origin(a);
                        }
                    }
                    default -> {
                        Callee c = callee(s);
                        if (c instanceof Callee.ArrayOp op) {
                            switch (op.kind()) {
                                case ARRAYCOPY -> {
                                    if (!isElementArray(s.arg(2).type())) { // rows copied by reference: tie both ends
                                        rowStores.add(new long[] {origins.origin(s.arg(2)), origins.origin(s.arg(0))});
                                    } else if (isActive(s.arg(0))) {
                                        receiving |= origins.origin(s.arg(2));
                                    }
                                }
                                case FILL, FILL_RANGE -> {
                                    if (isActive(s.arg(s.args().size() - 1))) receiving |= origins.origin(s.arg(0));
                                }
                                case CLONE, COPY_OF, COPY_OF_RANGE -> {
                                    // a copy holds what its source holds: an input's values (t = x.clone()), or
                                    // those of an array here that receives some
                                    long source = origins.origin(s.arg(0));
                                    boolean input = (source & ReadOnlyArrays.INPUT) != 0 && isActive(s.arg(0));
                                    copies.add(new long[] {input ? ReadOnlyArrays.INPUT : source & ~ReadOnlyArrays.INPUT,
                                            ReadOnlyArrays.allocation(s)});
                                }
                                default -> { }
                            }
                        } else if (s.isNewInit() || c instanceof Callee.Differentiated) {
                            // even one that runs as written may hand the array back as its result — but an
                            // array a differentiated call takes as an Object (a generic T: loss.of(new double[]
                            // {0.3, 0.7}, w)) gets no shadow there, and what comes back is an Object: data
                            Type[] declared = Type.getArgumentTypes(((MethodInsnNode) s.insn()).desc);
                            int first = s.args().size() - declared.length;
                            for (int i = 0; i < s.args().size(); i++) {
                                boolean asObject = i >= first && declared[i - first].getSort() == Type.OBJECT
                                        && !Types.isDifferentiable(declared[i - first]);
                                if (!(asObject && c instanceof Callee.Differentiated)) receiving |= origins.origin(s.arg(i));
                            }
                        }
                    }
                }
            }
            if (b.terminator().kind() == Terminator.Kind.RETURN) {
                for (Value a : b.terminator().args()) receiving |= origins.origin(a);
            }
        }
        // m[i] = row: a row of a matrix that may receive values (or is not ours) may too, and a
        // matrix holding such a row (or one from elsewhere) may hand values out through it
        for (boolean changed = true; changed; ) {
            changed = false;
            for (long[] copy : copies) {
                if ((copy[0] & (receiving | ReadOnlyArrays.INPUT)) != 0 && (copy[1] & ~receiving) != 0) {
                    receiving |= copy[1];
                    changed = true;
                }
            }
            for (long[] store : rowStores) {
                long container = store[0], row = store[1];
                if (((container | row) & (receiving | ReadOnlyArrays.INPUT)) != 0 && ((container | row) & ~ReadOnlyArrays.INPUT & ~receiving) != 0) {
                    receiving |= (container | row) & ~ReadOnlyArrays.INPUT;
                    changed = true;
                }
            }
        }
        Set<Stmt> dataOnly = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Block b : ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if ((isVectorAllocation(s) || isMatrixAllocation(s)) && (ReadOnlyArrays.allocation(s) & receiving) == 0) {
                    dataOnly.add(s);
                }
            }
        }
        return dataOnly;
    }

    /** {@code new double[n]}, {@code new float[n]}, or a copy of such a vector ({@code clone}, {@code Arrays.copyOf}). */
    private boolean isVectorAllocation(Stmt s) {
        if (s.opcode() == Opcodes.NEWARRAY) {
            int t = ((IntInsnNode) s.insn()).operand;
            return t == Opcodes.T_DOUBLE || t == Opcodes.T_FLOAT;
        }
        return callee(s) instanceof Callee.ArrayOp op && switch (op.kind()) {
            case CLONE, COPY_OF, COPY_OF_RANGE -> isElementArray(s.arg(0).type());
            default -> false;
        };
    }

    /** {@code new double[n][m]} or {@code new double[n][]} (or {@code float}): a matrix of rows. */
    private static boolean isMatrixAllocation(Stmt s) {
        if (s.opcode() != Opcodes.ANEWARRAY && s.opcode() != Opcodes.MULTIANEWARRAY) return false;
        Type t = s.result().type();
        return t.getDimensions() == 2 && Types.isScalarDifferentiable(t.getElementType());
    }

    private static final int MAX_DATA_ONLY_ROUNDS = 4;

    /** Allocations whose arrays only ever hold data (see {@link #dataOnlyAllocations}). */
    private final Set<Stmt> dataOnly = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    private void solve(BitSet seed, BitSet holderSeed) {
        int[] rpo = cfg.reversePostOrder();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int b : rpo) {
                Block block = ir.block(b);
                BitSet in = b == 0 ? (BitSet) seed.clone() : new BitSet();
                BitSet holdersIn = b == 0 ? (BitSet) holderSeed.clone() : new BitSet();
                for (int p : cfg.preds(b)) {
                    in.or(exitActive[p]);
                    holdersIn.or(exitHolder[p]);
                }
                entryActive[b] = in;
                entryHolder[b] = holdersIn;
                for (Stmt s : block.stmts()) {
                    if (s.result() != null && (Types.isDifferentiable(s.result().type()) || isArrayCopy(s)) && isActive(s)) {
                        activeTemps.set(s.result().id());
                    }
                    if (s.result() != null && holdsParameters(s)) holderTemps.set(s.result().id());
                }
                BitSet out = (BitSet) in.clone();
                block.exitValues().forEach((slot, v) -> out.set(slot, isActive(v)));
                BitSet holdersOut = (BitSet) holdersIn.clone();
                block.exitValues().forEach((slot, v) -> holdersOut.set(slot, isHolder(v)));
                if (!out.equals(exitActive[b]) || !holdersOut.equals(exitHolder[b])) {
                    exitActive[b] = out;
                    exitHolder[b] = holdersOut;
                    changed = true;
                }
            }
        }
    }

    /** Whether a statement's reference result leads to model parameters: a field, element or call result of a holder. */
    private boolean holdsParameters(Stmt s) {
        Type t = s.result().type();
        if (t.getSort() < Type.ARRAY || Types.isDifferentiable(t)
                || (t.getSort() == Type.OBJECT && t.getInternalName().equals("java/lang/String"))) {
            return false;
        }
        return switch (s.opcode()) {
            case Opcodes.GETFIELD, Opcodes.AALOAD -> isHolder(s.arg(0));
            // a model kept in a static field, or cast back from a JDK container (ref.get(), opt.get())
            case Opcodes.CHECKCAST -> isHolder(s.arg(0)) || calls.mayHoldParameters(t);
            case Opcodes.GETSTATIC -> calls.mayHoldParameters(t);
            // ... and a lambda made with one captured (() -> net.l2()): its code reads what it captured
            case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKEINTERFACE, Opcodes.INVOKESTATIC, Opcodes.INVOKESPECIAL,
                    Opcodes.INVOKEDYNAMIC -> {
                for (Value v : s.args()) if (isHolder(v)) yield true;
                yield false;
            }
            default -> false;
        };
    }

    /** The activity mask of a differentiated call's callee: which arguments are active (or hold parameters). */
    public String calleeMask(Stmt call, boolean staticCallee) {
        StringBuilder mask = new StringBuilder();
        if (!staticCallee && isHolder(call.arg(0))) mask.append('@');
        Type[] declared = Type.getArgumentTypes(((MethodInsnNode) call.insn()).desc);
        for (int i = staticCallee ? 0 : 1; i < call.args().size(); i++) {
            Value v = call.arg(i);
            // null for an array of numbers: differentiated, with a null shadow, so that the callee may
            // choose its own array instead (buf != null ? buf : new double[n]) and differentiate that
            Type t = declared[i - (staticCallee ? 0 : 1)];
            boolean nullArray = v instanceof Const c && c.isNull() && t.getSort() == Type.ARRAY && Types.isDifferentiable(t)
                    && !callsOnlyReaderOfArrays(call); // an optional input stays data
            mask.append(isActive(v) || isHolder(v) || nullArray ? '1' : '0');
        }
        return mask.toString();
    }

    /** A reference that leads to model parameters (see {@link #entryHolder}). */
    public boolean isHolder(Value v) {
        if (v instanceof Temp t) return holderTemps.get(t.id());
        if (v instanceof EntryValue e) return entryHolder[e.block()].get(e.slot());
        return false;
    }

    public boolean isActive(Value v) {
        if (v instanceof Temp t) return activeTemps.get(t.id());
        if (v instanceof EntryValue e) return entryActive[e.block()].get(e.slot());
        return false;
    }

    /**
     * Whether the double or float that slot {@code slot} holds on entry to {@code block} reaches
     * no result but through comparisons, casts to int and rules without an adjoint for it: its
     * adjoint is identically zero ({@link UsefulValues}). A stream's compensated sum carries two
     * such values beside the simple sum its derivative passes through.
     */
    public boolean carriesNoDerivative(int block, int slot) {
        return useful.isUselessOnEntry(block, slot);
    }

    /**
     * For a call of a rule on numbers ({@code Math.exp}, a user's rule on doubles): whether its
     * adjoint code reads operand {@code j}, or its result where {@code j} is the number of
     * operands — whether any of its adjoint methods loads that parameter ({@link
     * AdjointParameters}). Any other statement: true.
     */
    public boolean ruleAdjointReads(Stmt s, int j) {
        if (!isRuleOnNumbers(s)) return true;
        Callee.Ruled ruled = (Callee.Ruled) callee(s);
        Rule rule = ruled.rule();
        for (int i = 0; i < rule.arity(); i++) {
            Rule.AdjointMethod m = rule.adjoint(i);
            if (m == null) continue;
            if (m.into()) return true;
            int operands = Type.getArgumentTypes(m.descriptor()).length - 2;
            if (j < s.args().size() && j >= operands) continue; // not passed to this one
            if (adjointLoads(m, j < s.args().size() ? j : operands)) return true;
        }
        return false;
    }

    /** Whether adjoint method {@code m} loads its parameter {@code parameter} ({@link AdjointParameters}). */
    public boolean adjointLoads(Rule.AdjointMethod m, int parameter) {
        return calls.parametersRead(m).get(parameter);
    }

    /** A call of a rule whose operands and result are numbers ({@code Math.exp}; not a tensor's or an array's). */
    public boolean isRuleOnNumbers(Stmt s) {
        if (!(s.insn() instanceof MethodInsnNode) || !(callee(s) instanceof Callee.Ruled)) return false;
        for (Value a : s.args()) if (!isPrimitive(a.type())) return false;
        return s.result() != null && isPrimitive(s.result().type());
    }

    /**
     * A call of one of grad4j's own rules on numbers ({@code Math.exp}, a fused stream's {@code
     * StreamSums.value}): a function of its arguments, as arithmetic is — it changes nothing and
     * throws nothing. A user's rule may do either.
     */
    public boolean isOwnRuleOnNumbers(Stmt s) {
        if (!isRuleOnNumbers(s)) return false;
        Rule rule = ((Callee.Ruled) callee(s)).rule();
        boolean any = false;
        for (int i = 0; i < rule.arity(); i++) {
            Rule.AdjointMethod m = rule.adjoint(i);
            if (m == null) continue;
            if (!m.owner().startsWith("org/grad4j/rules/")) return false;
            any = true;
        }
        return any;
    }

    private static boolean isPrimitive(Type t) {
        return t.getSort() >= Type.BOOLEAN && t.getSort() <= Type.DOUBLE;
    }

    /**
     * Whether {@code s} calls a differentiated method, always the same body, that leaves every
     * array it is given as it found it ({@link CallResolver#onlyReadsArrays}).
     */
    public boolean callsOnlyReaderOfArrays(Stmt s) {
        return s.insn() instanceof MethodInsnNode && callee(s) instanceof Callee.Differentiated d && calls.onlyReadsArrays(d);
    }

    /** Whether the statement needs adjoint code (or, for calls, a differentiated call). */
    public boolean isActive(Stmt s) {
        // a differentiated call returning a useless double still runs as one: its continuation is planned
        boolean call = callee(s) instanceof Callee.Differentiated;
        return computeActive(s) && (call || s.result() == null || !useful.isUseless(s.result()));
    }

    private InfiniteValues infinite;

    /** Whether the method itself may make the value infinite (see {@link InfiniteValues}). */
    public boolean mayBeInfinite(Value v) {
        if (infinite == null) infinite = new InfiniteValues(ir, cfg, callees::get);
        return infinite.mayBeInfinite(v);
    }

    /** The key of the {@code @Parameter} field a statement reads, or null. */
    public String parameterKey(Stmt s) {
        return parameterReads.get(s);
    }

    public Callee callee(Stmt s) {
        return callees.get(s);
    }

    /**
     * A differentiated call that matters to the gradient: it ends its region. That is one whose
     * result carries a derivative, or that receives an active array it may update; a call with
     * active scalars whose result carries none ({@code int}, {@code String}, {@code void}) runs as
     * written, and so does one with active arrays whose result carries none when it only reads
     * arrays ({@code int argmax(double[] w)}, {@code void checkNotNull(Object o)}: {@link
     * CallResolver#onlyReadsArrays}).
     */
    public boolean isActiveCall(Stmt s) {
        if (!(callee(s) instanceof Callee.Differentiated d)) return false;
        Type result = Type.getReturnType(d.descriptor());
        // a check that returns nothing (checkNotNull(Object o), requirePositive(double[] w)) changes nothing either
        if (!Types.isDifferentiable(result) && calls.onlyReadsArrays(d)) return false;
        for (Value v : s.args()) {
            // a void helper may store an active value somewhere (an array): it is differentiated too
            if (isActive(v) && (Types.isDifferentiable(result) || result.getSort() == Type.VOID || !v.isScalarDifferentiable())) {
                return true;
            }
            if (isHolder(v) && (Types.isDifferentiable(result) || result.getSort() == Type.VOID)) return true;
        }
        return false;
    }

    public BitSet entryActive(int block) { return (BitSet) entryActive[block].clone(); }

    public BitSet exitActive(int block) { return (BitSet) exitActive[block].clone(); }

    boolean anyActiveArg(Stmt s) {
        for (Value v : s.args()) if (isActive(v)) return true;
        return false;
    }

    private boolean computeActive(Stmt s) {
        int op = s.opcode();
        if (op >= Opcodes.IADD && op <= Opcodes.DNEG && isFloatingArithmetic(op)) return anyActiveArg(s);
        return switch (op) {
            case Opcodes.F2D, Opcodes.D2F -> anyActiveArg(s);
            case Opcodes.DALOAD, Opcodes.FALOAD, Opcodes.DASTORE, Opcodes.FASTORE -> isActive(s.arg(0));
            case Opcodes.AALOAD -> isActive(s.arg(0)) && Types.isDifferentiable(s.result().type());
            case Opcodes.AASTORE -> isActive(s.arg(0));
            case Opcodes.NEWARRAY -> {
                int t = ((IntInsnNode) s.insn()).operand;
                yield (t == Opcodes.T_DOUBLE || t == Opcodes.T_FLOAT) && !dataOnly.contains(s);
            }
            case Opcodes.ANEWARRAY, Opcodes.MULTIANEWARRAY -> Types.isShadowed(s.result().type()) && !dataOnly.contains(s);
            case Opcodes.CHECKCAST -> anyActiveArg(s) && Types.isDifferentiable(s.result().type());
            case Opcodes.GETFIELD, Opcodes.GETSTATIC -> parameterReads.containsKey(s);
            case Opcodes.INVOKESTATIC, Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESPECIAL, Opcodes.INVOKEINTERFACE -> {
                Callee c = callee(s);
                if (c instanceof Callee.ArrayOp arrayOp) yield arrayOpActive(s, arrayOp.kind());
                if (c instanceof Callee.Differentiated) yield isActiveCall(s);
                // a rule without adjoints (@ZeroDerivative: argMax, eq, gt, floor) gives data
                yield c instanceof Callee.Ruled r && anyActiveArg(s) && hasAdjoint(r.rule());
            }
            default -> false;
        };
    }

    /**
     * Whether the method calls a helper of the program that hands out what the model holds as a
     * collection or an {@code Object} ({@code List<INDArray> params()}), or is handed such a
     * collection as an argument: only then may a tensor cast back from a collection be a parameter. A collection read from a field holds data (a parameter
     * put in one is refused when the gradient starts, by {@code ParameterViews}).
     */
    private boolean handsOutHolders() {
        // or that is handed such a collection: a holder parameter declared as a JDK container
        int[] slots = ir.parameterSlots();
        Type[] types = Type.getArgumentTypes(ir.descriptor());
        int first = ir.isStatic() ? 0 : 1;
        for (int p = 0; p < types.length; p++) {
            Type t = types[p];
            boolean container = t.getSort() == Type.ARRAY ? t.getElementType().getSort() == Type.OBJECT
                    && CallResolver.isJdk(t.getElementType().getInternalName())
                    : t.getSort() == Type.OBJECT && CallResolver.isJdk(t.getInternalName()) && !Types.isDifferentiable(t);
            if (container && entryHolder[0].get(slots[first + p])) return true;
        }
        for (Block b : ir.blocks()) {
            for (Stmt s : b.stmts()) {
                if (!(callee(s) instanceof Callee.Differentiated) || s.result() == null) continue;
                Type t = s.result().type();
                if (t.getSort() < Type.ARRAY || Types.isDifferentiable(t) || t.getClassName().equals("java.lang.String")) continue;
                for (Value v : s.args()) if (isHolder(v)) return true;
            }
        }
        return false;
    }

    static boolean hasAdjoint(Rule rule) {
        for (int i = 0; i < rule.arity(); i++) if (rule.adjoint(i) != null) return true;
        return false;
    }

    /** A copy whose result (an Object, for {@code clone}) carries the source's shadow. */
    private boolean isArrayCopy(Stmt s) {
        return callee(s) instanceof Callee.ArrayOp op && op.kind() != Callee.ArrayOp.Kind.ARRAYCOPY
                && op.kind() != Callee.ArrayOp.Kind.FILL && op.kind() != Callee.ArrayOp.Kind.FILL_RANGE;
    }

    private boolean arrayOpActive(Stmt s, Callee.ArrayOp.Kind kind) {
        return switch (kind) {
            case ARRAYCOPY -> isActive(s.arg(0)) || isActive(s.arg(2));
            case FILL, FILL_RANGE -> isActive(s.arg(0));
            case SAME -> isActive(s.arg(0)) && !isNullCheckOnly(s);
            // a copy of a data vector is a fresh array too: active unless it only ever holds data
            default -> isActive(s.arg(0)) || (isElementArray(s.arg(0).type()) && !dataOnly.contains(s));
        };
    }

    /**
     * {@code Objects.requireNonNull(input, "input");} of a tensor, its result unused: only a null
     * check, which runs as written (the tensor goes on under its own name).
     */
    private boolean isNullCheckOnly(Stmt s) {
        return s.arg(0).kind() == Types.Kind.TENSOR && s.result() != null && !usedValues().contains(s.result());
    }

    private Set<Value> usedValues;

    /** Every value some statement, terminator or block exit uses. */
    private Set<Value> usedValues() {
        if (usedValues == null) {
            usedValues = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Block b : ir.blocks()) {
                for (Stmt st : b.stmts()) usedValues.addAll(st.args());
                usedValues.addAll(b.terminator().args());
                usedValues.addAll(b.exitValues().values());
            }
        }
        return usedValues;
    }

    /** {@code double[]} or {@code float[]}: a copy of one is fresh elements, whose shadow is zeros. */
    private static boolean isElementArray(Type t) {
        return t.getSort() == Type.ARRAY && t.getDimensions() == 1 && Types.isScalarDifferentiable(t.getElementType());
    }

    /** {@code fadd, dadd, fsub, ... dneg}: the float and double columns of the arithmetic opcodes. */
    static boolean isFloatingArithmetic(int op) {
        int column = (op - Opcodes.IADD) % 4;
        return column == 2 || column == 3;
    }

    /** Differentiable values turned into text in this method; made when first asked (the checks run after solving). */
    private TextValues text;

    private TextValues text() {
        if (text == null) text = new TextValues(ir, cfg, this, refusal);
        return text;
    }

    /**
     * Refuses active values that flow where no derivative can follow them. Blocks from which
     * every path ends in {@code throw} are exempt: a gradient never runs backwards through them,
     * so {@code throw new IllegalArgumentException("bad x: " + x)} and its kin are fine.
     */
    public void checkSupported() {
        BitSet doomed = blocksThatAlwaysThrow();
        boolean tensors = false;
        for (Block b : ir.blocks()) {
            if (!cfg.isReachable(b.index()) || doomed.get(b.index())) continue;
            for (Stmt s : b.stmts()) {
                check(s);
                tensors |= TensorWrites.isNd4j(s);
            }
        }
        if (tensors) DataTensorWrites.check(ir, cfg, this, calls, refusal);
        text().checkNoNumberParsedFromText(doomed);
    }

    /** "a Double[]", "an Object[]": the array's type as written, with its article. */
    private static String arrayName(Value array) {
        String name = array.type().getSort() == Type.ARRAY ? array.type().getElementType().getClassName() : "Object";
        name = name.substring(name.lastIndexOf('.') + 1);
        return ("AEIOU".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name + "[]";
    }

    private BitSet alwaysThrow;

    /** Blocks from which every path ends in {@code throw} (a copy: found once per method). */
    public BitSet blocksThatAlwaysThrow() {
        if (alwaysThrow == null) alwaysThrow = findBlocksThatAlwaysThrow();
        return (BitSet) alwaysThrow.clone();
    }

    private BitSet findBlocksThatAlwaysThrow() {
        BitSet doomed = new BitSet();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Block b : ir.blocks()) {
                if (doomed.get(b.index())) continue;
                int[] succ = b.successors();
                boolean throwsAlways = b.terminator().kind() == Terminator.Kind.THROW;
                if (!throwsAlways && succ.length > 0) {
                    throwsAlways = true;
                    for (int s : succ) throwsAlways &= doomed.get(s);
                }
                if (throwsAlways) {
                    doomed.set(b.index());
                    changed = true;
                }
            }
        }
        return doomed;
    }

    private void check(Stmt s) {
        int op = s.opcode();
        switch (op) {
            case Opcodes.DASTORE, Opcodes.FASTORE, Opcodes.AASTORE -> {
                if (text().isBoxIntoFormatArguments(s)) return; // String.format("%.3f", x): text, no derivative
                if (isActive(s.arg(2)) && !isActive(s.arg(0)) && s.arg(2).kind() == Types.Kind.SCALAR
                        && !s.arg(2).isScalarDifferentiable()) {
                    throw refusal.at(s.line(), "a boxed differentiable value stored into " + arrayName(s.arg(0))
                                    + " (the arguments of a varargs call, a collection's array), where it could be read back "
                                    + "as a number without its derivative",
                            "Keep the value a primitive double in a double[] (DoubleStream.of(a, b, c) rather than "
                                    + "Stream.of). Formatting calls (String.format, printf) may take it as their own arguments, "
                                    + "not through an Object[] of yours or a varargs method of yours.");
                }
                if (isActive(s.arg(2))) checkNotIntoUntrackedArray(s, s.arg(0));
                if (isActive(s.arg(2)) && !isActive(s.arg(0))) {
                    throw untracked(s.arg(0), refusal.at(s.line(), "store of a differentiable value into an array grad4j does not track "
                                    + "(" + origin(s.arg(0)) + ")",
                            isArrayOfReferencesMadeHere(definition(s.arg(0), 0)) ? "Keep the arrays in a double[][] (or float[][], INDArray[]), and other data beside it in "
                                    + "variables or a record of its own; an Object[] holding both cannot carry derivatives."
                            : "Allocate the array in the differentiable method (new double[n], or a copy: "
                                    + "array.clone(), Arrays.copyOf), or pass it in as a parameter: a buffer that the "
                                    + "function given to AD captures, or that its method is passed, may receive differentiable values."
                                    + (ir.name().startsWith("lambda$") && untrackedParameter(s.arg(0)) >= 0
                                            // x -> { buf[0] = x * x; ... } called from differentiated code: what it captured is data
                                            ? " An array a lambda captured is data to the lambda's code where differentiated code "
                                                    + "calls the lambda: pass the buffer as an argument of the lambda's own method, "
                                                    + "or, where the value is only recorded (the last x, for a log), store "
                                                    + "AD.stopGradient(x)."
                                            : "")));
                }
            }
            case Opcodes.PUTFIELD, Opcodes.PUTSTATIC -> {
                Value stored = s.args().get(s.args().size() - 1);
                if (anyActiveArg(s) && isActive(stored)) {
                    FieldInsnNode f = (FieldInsnNode) s.insn();
                    if (stored.kind() == Types.Kind.SHADOWED) { // buf = new double[n]: a work array kept for later calls
                        throw refusal.at(s.line(), "store of an array that holds (or will hold) differentiable values "
                                        + "into field " + simpleName(f.owner) + "." + f.name,
                                "Keep the work array local to the differentiated call (allocate it there, or pass it "
                                        + "in as an argument); fields may hold only data that does not depend on the inputs.");
                    }
                    String kept = s.insn().getOpcode() == Opcodes.PUTFIELD ? objectsMadeHereKept.apply(f.owner) : null;
                    if (kept != null) { // an object made here, which grad4j would follow were it not for this
                        throw new ObjectRefusal(refusal.message(s.line(), "store of a differentiable value into field "
                                + simpleName(f.owner) + "." + f.name + " of an object kept as an object: " + kept, OBJECTS_REMEDY));
                    }
                    throw refusal.at(s.line(), "store of a differentiable value into field "
                                    + simpleName(f.owner) + "." + f.name,
                            "Keep differentiable values in locals, arrays or return values; fields may hold only data "
                                    + "that does not depend on the inputs, unless the object is made in the differentiated "
                                    + "method and stays there: " + OBJECT_STAYS + ". To record a loss for logging, take it "
                                    + "in the caller from AD.valueAndGradient(...).value() or Model.gradient(...).value().");
                }
            }
            case Opcodes.INVOKEDYNAMIC -> {
                InvokeDynamicInsnNode d = (InvokeDynamicInsnNode) s.insn();
                String ordering = anyActiveArg(s) && !isOnlyLogged(s, d) ? whyNotOnlyOrdering(s, d) : null;
                if (anyActiveArg(s) && !d.bsm.getOwner().equals("java/lang/invoke/StringConcatFactory") && ordering != null) {
                    String stream = StreamRefusals.unfusedOperation(ir, s);
                    if (stream != null) {
                        throw refusal.at(s.line(), "a lambda capturing a differentiable value, in a stream grad4j does not "
                                + "run as a loop: " + stream, StreamRefusals.REMEDY);
                    }
                    String kept = d.bsmArgs.length > 1 && d.bsmArgs[1] instanceof org.objectweb.asm.Handle h
                            ? lambdasKept.apply(h.getOwner() + "." + h.getName() + h.getDesc()) : null;
                    String message = refusal.message(s.line(), "a lambda or dynamic call capturing a differentiable value"
                                    + (kept != null ? ", kept as an object: " + kept : "")
                                    + (ordering.isEmpty() ? "" : "; a comparator or sort key that only reads would be fine, but "
                                            + "this one does not: " + ordering),
                            (kept != null && kept.endsWith("it is recursive") ? "A recursive method cannot be given a lambda "
                                    + "capturing differentiable values" + org.grad4j.transformer.inline.Inliner.RECURSIVE_REMEDY
                                    + ". Otherwise, c" : "C")
                                    + "all a named method instead of capturing the value in a lambda, or call the lambda only in "
                                    + "this method and in small helpers grad4j inlines (a lambda given straight to a "
                                    + "stream operation is fine: Arrays.stream(x).map(v -> v * w[0]).sum()). A value a "
                                    + "lambda only logs or prints (a logger's supplier) may be captured as AD.stopGradient(x).");
                    // an object made from differentiable values: with the helpers inlined it may be called here, and
                    // should that form be refused for something else, that refusal is the one to show
                    throw kept != null ? new LambdaRefusal(message) : new TransformException(message);
                }
            }
            case Opcodes.GETSTATIC -> {
                // Model.gradient finds parameters in the model object and what it holds: a static one
                // would be read as an input no gradient ever lists, its part silently lost
                if (parameterReads.containsKey(s)) {
                    FieldInsnNode f = (FieldInsnNode) s.insn();
                    throw refusal.at(s.line(), "a read of the static @Parameter field " + simpleName(f.owner) + "." + f.name
                                    + " (Model.gradient finds parameters only in the model object and the objects it holds)",
                            "Make " + f.name + " an instance field of the model or of a sub-module it holds, and read it "
                                    + "through that object.");
                }
            }
            case Opcodes.CHECKCAST -> {
                if (isActive(s.arg(0)) && s.result().kind() == Types.Kind.SCALAR) {
                    // Object o = x; (Double) o: a cast of a box, which has no adjoint code
                    throw refusal.at(s.line(), "a differentiable value held as an Object and cast back to "
                                    + s.result().type().getClassName(),
                            "Keep the value a double (or declare the variable Double); a generic function returning a "
                                    + "boxed number (Function<T, Double>, BiFunction<Double, Double, Double>, Supplier<Double>) "
                                    + "is such an Object: use ToDoubleFunction<T>, DoubleUnaryOperator, DoubleBinaryOperator or "
                                    + "DoubleSupplier.");
                }
                // (INDArray) list.get(i) of a List the model handed out: the element may be a
                // parameter, but it reaches here as an object, its reads as data, its gradient zero
                Type t = s.result().type();
                boolean numbers = t.getSort() == Type.ARRAY || Types.kind(t) == Types.Kind.TENSOR;
                if (numbers && Types.isDifferentiable(t) && isHolder(s.arg(0)) && !isActive(s.result()) && handsOutHolders()) {
                    throw refusal.at(s.line(), "a cast to " + t.getClassName() + " of an object taken from a collection "
                                    + "or an Object that the model holds or hands out, or that holds the array the gradient "
                                    + "is taken at or a buffer the function fills (an array read this way counts as data: "
                                    + "its gradient would be zero)",
                            "Hand parameters out as an INDArray[] (or double[][]) rather than a List, Map or Object[], "
                                    + "or read the @Parameter fields where they are used; pass the array the gradient is "
                                    + "taken at, or the buffer, down as a parameter rather than in a collection; keep data "
                                    + "in fields.");
                }
            }
            case Opcodes.INVOKESTATIC, Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESPECIAL, Opcodes.INVOKEINTERFACE -> {
                checkNumberFromHolder(s);
                checkCall(s);
            }
            default -> { }
        }
    }

    /**
     * A number a JDK object that holds the point hands out ({@code DoubleBuffer.wrap(w).get(i)}): the
     * JDK's code runs as it is, so the number would be a constant, its derivative silently lost.
     */
    private void checkNumberFromHolder(Stmt s) {
        if (!(s.insn() instanceof MethodInsnNode m) || m.getOpcode() == Opcodes.INVOKESTATIC || s.isNewInit()
                || !m.owner.startsWith("java/") || m.owner.startsWith("java/util/function/") // a lambda's call runs its code
                || !Types.isScalarDifferentiable(Type.getReturnType(m.desc))
                || !isHolder(s.arg(0)) || !handsOutHolders()) {
            return;
        }
        throw refusal.at(s.line(), "a number read by " + methodName(m.owner, m.name) + " from a JDK object that holds the "
                        + "array the gradient is taken at, or a buffer the function fills (the JDK's code runs as it is: "
                        + "its gradient would be zero)",
                "Read the array itself, passed down as a parameter, rather than through a buffer or container.");
    }

    /** How an object made in the differentiated method stays there, for refusals of one. */
    private static final String OBJECT_STAYS = "kept in local variables or in fields of other such objects (a record, or a "
            + "small final immutable class, also in arrays made there), its methods small enough to inline, and, if its fields "
            + "change, the only object made at its place in the code while it is in use (not a node of a list made in a loop)";

    /** What an object holding differentiable values must be, for refusals of one. */
    public static final String OBJECTS_REMEDY = "An object made in the differentiated method may hold differentiable values "
            + "while it stays there: " + OBJECT_STAYS + ". Otherwise keep differentiable values in locals and arrays; objects "
            + "may hold only data that does not depend on the inputs.";

    private void checkCall(Stmt s) {
        if (!anyActiveArg(s)) return;
        MethodInsnNode m = (MethodInsnNode) s.insn();
        String target = s.isNewInit() ? simpleName(m.owner) + ".<init>" : methodName(m.owner, m.name);
        if (s.isNewInit()) {
            String why = objectsKept.apply(m.owner);
            throw new ObjectRefusal(refusal.message(s.line(), "a constructor call with differentiable arguments (new " + simpleName(m.owner) + "(...))"
                            + (why != null ? ": " + why : ""),
                    OBJECTS_REMEDY));
        }
        Callee c = callee(s);
        if (c instanceof Callee.ArrayOp op && op.kind() == Callee.ArrayOp.Kind.SAME) {
            if (isActive(s.arg(0)) && s.arg(0).kind() != Types.Kind.SHADOWED && !isNullCheckOnly(s)) {
                throw refusal.at(s.line(), "Objects.requireNonNull of a differentiable " + s.arg(0).type().getClassName(),
                        "Check the value for null before the differentiated code, or compare it with null directly.");
            }
            return;
        }
        if (c instanceof Callee.ArrayOp op) {
            Value destination = op.kind() == Callee.ArrayOp.Kind.ARRAYCOPY ? s.arg(2) : s.arg(0);
            boolean writes = op.kind() == Callee.ArrayOp.Kind.ARRAYCOPY || op.kind() == Callee.ArrayOp.Kind.FILL
                    || op.kind() == Callee.ArrayOp.Kind.FILL_RANGE;
            boolean activeSource = false; // what is copied or filled in: any argument but the destination
            for (Value v : s.args()) activeSource |= v != destination && isActive(v);
            if (writes && activeSource) checkNotIntoUntrackedArray(s, destination);
            if (!isActive(destination) && anyActiveArg(s)) {
                throw untracked(destination, refusal.at(s.line(), "copying or filling differentiable values (" + target + ") into an "
                                + "array grad4j does not track (it comes from a field, a call, or a parameter that is not differentiated)",
                        "Allocate the destination array in the differentiable method, or pass it in as a parameter: a buffer "
                                + "that the function given to AD captures, or that its method is passed, may receive differentiable values."));
            }
            return;
        }
        if (c instanceof Callee.Ruled ruled) {
            checkRuledArrays(s, ruled.rule(), target);
            if (TensorWrites.writtenArg(s) >= 0) checkTensorCall(s, m, target, true); // Transforms.tanh(x, false)
            return;
        }
        // one that only reads what it is given runs as written, whatever it declares it takes
        if (c instanceof Callee.Differentiated d && (isActiveCall(s) || !calls.onlyReadsArrays(d))) checkParameterTypes(s, m, target);
        // the callee may store into an array we pass it: not into one that may have come without a shadow —
        // unless no body it may run, as far as is known now, writes an array it is given (h = data row or
        // a parameter of data, then h = layer.forward(h): the layers only read h); one loaded later that
        // writes one stops at run time instead (Ctx.untrackedStore)
        if (c instanceof Callee.Differentiated d && isActiveCall(s) && !calls.onlyReadsArrays(d) && calls.mayWriteArrays(m, d)) {
            for (Value v : s.args()) if (v.type().getSort() == Type.ARRAY) checkNotIntoUntrackedArray(s, v);
        }
        if (c instanceof Callee.Differentiated d && !isActiveCall(s) && !isHarmless(Type.getReturnType(d.descriptor()))) {
            Type returned = Type.getReturnType(d.descriptor());
            String message = refusal.message(s.line(), "a call of " + target + " with differentiable arguments that returns "
                            + returned.getClassName().replace('$', '.') + ", through which grad4j cannot follow a derivative",
                    returned.getSort() == Type.OBJECT && !CallResolver.isJdk(returned.getInternalName()) // a Bond, not an Object
                            ? "Return the differentiable numbers themselves (a double, or a double[] of them), or keep the object "
                                    + "in the differentiated method: a small immutable class or record made and used there, whose "
                                    + "methods grad4j inlines, is followed field by field."
                            : "Declare the result as what it is: double, float, an array of them, or an INDArray.");
            // Vec2.of(x, y): inlined, the record may become the method's own
            throw Type.getReturnType(d.descriptor()).getSort() == Type.OBJECT ? new ObjectRefusal(message) : new TransformException(message);
        }
        if (!(c instanceof Callee.Plain plain)) return;
        if (BIT_REINTERPRETATION.contains(m.owner + "." + m.name)) {
            throw refusal.at(s.line(), "bit reinterpretation of a differentiable value (" + target + ")",
                    "The bits of a double carry no derivative; register a custom rule for the enclosing method.");
        }
        boolean activeArray = false;
        boolean activeReference = false; // an array, a tensor or a boxed scalar
        for (Value v : s.args()) {
            activeArray |= isActive(v) && v.kind() == Types.Kind.SHADOWED;
            activeReference |= isActive(v) && !v.isScalarDifferentiable();
        }
        Type result = Type.getReturnType(m.desc);
        boolean harmlessResult = isHarmless(result) || isStringConversion(m) // a StringBuilder carries no derivative
                || result.getSort() == Type.OBJECT && MessageCalls.isLogger(result.getInternalName()); // log.atDebug().addArgument(x)
        if (m.owner.startsWith("org/nd4j/")) {
            checkTensorCall(s, m, target, harmlessResult);
            return;
        }
        if (m.owner.startsWith("java/util/stream/") || m.owner.equals("java/util/Arrays") && m.name.equals("stream")) {
            throw refusal.at(s.line(), "a stream over differentiable values (" + target + ")"
                    + StreamRefusals.whyNotFused(ir, s), StreamRefusals.REMEDY);
        }
        if (result.getSort() == Type.VOID && CallResolver.isJdk(m.owner) && !isOutputSink(m)) {
            // DoubleAdder.add(x), DoubleSummaryStatistics.accept(x), Point2D.setLocation(x, y): a JDK method that
            // returns nothing may keep the value in its receiver, and what it keeps is read back (sum(), getX())
            // as a constant: the derivative would silently be lost
            for (Value v : s.args()) {
                if (isActive(v) && v.isScalarDifferentiable()) {
                    throw refusal.at(s.line(), "call of " + target + " with a differentiable value (" + plain.why()
                                    + "; it returns nothing and may keep the value, which would carry no derivative)",
                            "Accumulate in a local double or an array allocated in the differentiable method instead.");
                }
            }
        }
        if (activeReference && !activeArray && !isReadOnlyArrayCall(m) && !isStringConversion(m) && !isQueryOfBox(m)) {
            boolean tensor = false;
            for (Value v : s.args()) tensor |= isActive(v) && v.kind() == Types.Kind.TENSOR;
            throw refusal.at(s.line(), "call of " + target + " with a differentiable " + (tensor ? "tensor" : "boxed value")
                            + " (" + plain.why() + ")",
                    "grad4j cannot see what " + target + " does with it; " + (tensor
                            ? "keep tensors in locals or an INDArray[] (grad4j tracks arrays of INDArray, not collections)"
                            : "pass a primitive double; a value only recorded or logged (history.add(x), a logger's "
                            + "argument) may be passed as AD.stopGradient(x)") + ", or register a custom rule.");
        }
        if (activeArray && !isReadOnlyArrayCall(m) && plain.why().contains("grad4j's own API")) {
            // AD.gradient(f, w) inside a loss: the sorting-helper remedy below would not help
            throw refusal.at(s.line(), "call of " + target + " with a differentiable array (" + plain.why() + ")",
                    "Compute the inner gradient outside the differentiated code (pass it in as data), or write its "
                            + "formula by hand.");
        }
        if (activeArray && !isReadOnlyArrayCall(m) && isCollection(m.owner)) {
            throw refusal.at(s.line(), "call of " + target + " with a differentiable array (" + plain.why() + ")",
                    "grad4j tracks arrays of arrays, not collections: keep the arrays in a double[][] allocated in the "
                            + "differentiable method (new double[steps][]) instead.");
        }
        if (activeArray && !isReadOnlyArrayCall(m)) {
            throw refusal.at(s.line(), "call of " + target + " with a differentiable array (" + plain.why() + ")",
                    "grad4j cannot see what " + target + " does to the array; write the operation as a loop, or "
                            + "do it in a helper that only reads the array and returns indices or an index "
                            + "(int[] order(double[] w) sorting a copy inside), then read w[order[i]].");
        }
        if (!harmlessResult) {
            String construct = m.owner.startsWith("java/lang/") && (m.name.equals("valueOf") || m.name.endsWith("Value"))
                    ? "boxing of a differentiable value (" + target + ")"
                    : "call of " + target + " with a differentiable argument: " + plain.why();
            String remedy = plain.why().contains("grad4j's own API")
                    ? "Compute the inner derivative outside the differentiated code, or write its formula by hand."
                    : construct.startsWith("boxing")
                    ? "Keep the value a primitive double (boxed values carry no derivative); box AD.stopGradient(x) for a "
                            + "value that is only recorded or logged."
                    : "Register a custom rule for " + target + " (AD.registerRules), or pass a value that does not "
                            + "depend on the inputs (AD.stopGradient).";
            throw refusal.at(s.line(), construct, remedy);
        }
    }

    /**
     * An active array of doubles or floats passed to a method whose rule gives no adjoint for it
     * (rules give those of double, float and INDArray arguments only): the array's adjoint would
     * silently be lost. An array allocated here counts when it may receive differentiable values
     * (one that only ever holds data is not active: {@link #dataOnlyAllocations}).
     */
    private void checkRuledArrays(Stmt s, Rule rule, String target) {
        for (int i = 0; i < s.args().size() && i < rule.arity(); i++) {
            Value v = s.arg(i);
            if (!isActive(v) || v.kind() != Types.Kind.SHADOWED || rule.adjoint(i) != null) continue;
            throw refusal.at(s.line(), "a differentiable " + v.type().getClassName() + " passed to " + target
                            + ", which has a rule (@AdjointOf or registered) that gives no adjoint for it: a rule gives the "
                            + "adjoints of double, float and INDArray arguments only",
                    "Remove the rule so that grad4j differentiates " + target + "'s body, or pass the values the "
                            + "derivative flows through as double arguments; an array that holds only data (constants, "
                            + "values that do not depend on the inputs) may be passed.");
        }
    }

    /**
     * An active array, tensor or boxed value passed where the callee declares a type that carries
     * no derivative ({@code Object}, {@code Object[]}, a generic {@code T} erased to one of them):
     * the callee's code sees a plain object, so its adjoint would be silently lost.
     */
    private void checkParameterTypes(Stmt s, MethodInsnNode m, String target) {
        Type[] declared = Type.getArgumentTypes(m.desc);
        int first = s.args().size() - declared.length; // the receiver, if any, comes first
        for (int p = 0; p < declared.length; p++) {
            Value v = s.arg(first + p);
            if (!isActive(v) || v.isScalarDifferentiable() || Types.kind(declared[p]) == v.kind()) continue;
            // a tensor function (an activation in a Function<INDArray, INDArray> field) needs its own interface
            String instead = v.kind() == Types.Kind.TENSOR
                    ? "for a function of a tensor use an interface of your own such as "
                            + "interface Activation { INDArray apply(INDArray x); }, not Function<INDArray, INDArray>, "
                            + "UnaryOperator<INDArray> or another generic type."
                    : "for a function of an array use org.grad4j.VectorFunction or an interface of your own such as "
                            + "interface ArrayFn { double apply(double[] x); }, not Function<double[], ...>, "
                            + "ToDoubleFunction<double[]> or another generic type.";
            throw refusal.at(s.line(), "a differentiable " + v.type().getClassName() + " passed to " + target
                            + " as " + declared[p].getClassName() + " (a generic or Object parameter), through which "
                            + "grad4j cannot follow a derivative",
                    v.kind() == Types.Kind.SCALAR
                            // a boxed Double given to Function<Double, Double>.apply: the remedy is a primitive function type
                            ? (callee(s) instanceof Callee.Differentiated d && !d.virtual()
                                    // static <T> T pick(T a, T b): a method of the program's, not a function object
                                    ? "Declare " + target + "'s parameter (and its result) as double, in an overload for "
                                            + "doubles if it is generic."
                                    : "Use a function type on double: DoubleUnaryOperator, DoubleBinaryOperator, "
                                            + "DoubleSupplier, or an interface of your own such as interface Fn { double "
                                            + "apply(double x); }, not "
                                            + "Function<Double, Double>, BiFunction<Double, Double, Double> or another generic type.")
                            : "Declare the parameter as " + v.type().getClassName() + ": " + instead);
        }
    }

    /**
     * A declared parameter (receiver excluded) that {@code array} may be, or be a row of, and that
     * this variant does not differentiate: an array of numbers that came without a shadow. -1 when none.
     */
    public int untrackedParameter(Value array) {
        BitSet may = parameterArrays().parametersOf(array);
        Type[] types = Type.getArgumentTypes(ir.descriptor());
        for (int p = may.nextSetBit(0); p >= 0; p = may.nextSetBit(p + 1)) {
            if (!activeParams[p] && Types.isDifferentiable(types[p]) && types[p].getSort() == Type.ARRAY) return p;
        }
        return -1;
    }

    /**
     * Whether {@code array} may be an array the caller passed in (a parameter, a row of one, or
     * what a call returned for one): a differentiated parameter whose shadow the caller gives, null
     * when the caller passed an array it did not track (see {@code StatementEmitter}'s guard).
     */
    public boolean mayBeCallersArray(Value array) {
        return !parameterArrays().parametersOf(array).isEmpty();
    }

    private ParameterArrays parameterArrays;

    /** By class, why the method's objects were not replaced by their fields (see {@code ValueObjects}), or null. */
    private java.util.function.Function<String, String> objectsKept = c -> null;

    public void objectsKeptBecause(java.util.function.Function<String, String> why) {
        this.objectsKept = why;
    }

    /** By class, why objects of it made in the method stayed objects; null where none was made or none kept. */
    private java.util.function.Function<String, String> objectsMadeHereKept = c -> null;

    /**
     * Why objects the method makes were kept as objects, by class: a store into a field of one
     * is refused with the reason ({@code inline.MutableObjects} follows an object's fields only
     * while it stays in the method).
     */
    public void objectsMadeHereKeptBecause(java.util.function.Function<String, String> why) {
        this.objectsMadeHereKept = why;
    }

    /** By implementation ({@code owner.name descriptor}), why a lambda made here stayed an object (see {@code LambdaObjects}), or null. */
    private java.util.function.Function<String, String> lambdasKept = l -> null;

    public void lambdasKeptBecause(java.util.function.Function<String, String> why) {
        this.lambdasKept = why;
    }

    private ParameterArrays parameterArrays() {
        if (parameterArrays == null) {
            // an array of numbers defined here without a shadow: a field's, a plain call's, a data matrix's row
            parameterArrays = ParameterArrays.of(ir, v -> v instanceof Temp && v.type().getSort() == Type.ARRAY
                    && Types.isDifferentiable(v.type()) && !isActive(v), this::isActive);
        }
        return parameterArrays;
    }

    /**
     * The refusal of a differentiable value going into {@code array}, which is not tracked: an
     * {@link UntrackedParameterStore} when the array may be a parameter of this method (or a row of
     * one), which the entry of a gradient may give a shadow.
     */
    private TransformException untracked(Value array, TransformException refused) {
        int p = untrackedParameter(array);
        return p < 0 ? refused : new UntrackedParameterStore(refused.getMessage(), p, null);
    }

    /**
     * A differentiable value going into an array that is tracked here but may, on some path, be
     * a parameter passed without a shadow ({@code tmp = a; a = b; b = tmp} with {@code b} such a
     * parameter, {@code h = buf != null ? buf : new double[n]}, a row {@code double[][] m = {buf}}):
     * there the value would silently lose its derivative. Refused, as an {@link UntrackedParameterStore}
     * that the entry of a gradient lifts by giving the parameter a shadow. The same for an array from
     * elsewhere on some path ({@code h = c ? FIELD : new double[n]}), refused outright.
     */
    private void checkNotIntoUntrackedArray(Stmt s, Value array) {
        if (!isActive(array)) return; // refused as an untracked array, saying where it comes from
        String into = s.isInvoke() ? "an array passed to " + simpleName(((MethodInsnNode) s.insn()).owner) + "."
                + ((MethodInsnNode) s.insn()).name + ", which may store differentiable values into it, that may be "
                : "a differentiable value stored into an array that may be ";
        List<Value> elsewhere = parameterArrays().sourcesOf(array);
        if (!elsewhere.isEmpty()) {
            // h = c ? FIELD : new double[n]: on the field's path h has no shadow, and what goes in loses its derivative
            throw refusal.at(s.line(), into + "an array grad4j does not track on some path (" + origin(elsewhere.get(0))
                            + "), chosen in place of one made here",
                    "Write into an array the method makes on every path (allocate it, or a copy: array.clone(), "
                            + "Arrays.copyOf), or pass the buffer in as a parameter: one that the function given to AD "
                            + "captures, or that its method is passed, may receive differentiable values.");
        }
        int p = untrackedParameter(array);
        if (p < 0) return;
        throw new UntrackedParameterStore(refusal.message(s.line(), into
                        + "its parameter " + (p + 1) + ", which has no derivative here (its caller passed an array of data), "
                        + "chosen or swapped in place of another array",
                "Write into an array of the method's own (allocate it, or a copy), or let the caller pass an array "
                        + "that carries derivatives: one made in differentiated code, or a buffer that the function "
                        + "given to AD captures, which gets a shadow of its own."), p, null);
    }

    /** Where an untracked array comes from, as far as this block shows. */
    private String origin(Value array) {
        Stmt d = definition(array, 0);
        if (d != null && d.insn() instanceof MethodInsnNode m) {
            return "it is returned by " + simpleName(m.owner) + "." + m.name + ", a call grad4j does not "
                    + "differentiate because no differentiable value goes into it";
        }
        if (d != null && d.insn() instanceof FieldInsnNode f) return "it is read from field " + simpleName(f.owner) + "." + f.name;
        if (isArrayOfReferencesMadeHere(d)) {
            return "it is a " + d.result().type().getClassName() + ": grad4j tracks arrays of double, float and "
                    + "INDArray, and arrays of those";
        }
        return "it comes from a field, a call, or a parameter that is not differentiated";
    }

    /** {@code new Object[n]} (or another array of references grad4j does not track) made in the method. */
    private static boolean isArrayOfReferencesMadeHere(Stmt d) {
        return d != null && (d.opcode() == Opcodes.ANEWARRAY || d.opcode() == Opcodes.MULTIANEWARRAY);
    }

    /**
     * The statement that makes an array, through a local assigned once ({@code double[] h =
     * this.h;} then a loop) and casts ({@code (double[]) list.get(0)}); null where not found.
     */
    private Stmt definition(Value array, int depth) {
        if (array instanceof EntryValue e && depth < 8) {
            java.util.Set<Value> assigned = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Block b : ir.blocks()) {
                Value v = b.exitValues().get(e.slot());
                if (v != null && v != e) assigned.add(v);
            }
            if (assigned.size() == 1) return definition(assigned.iterator().next(), depth + 1);
        }
        for (Block b : ir.blocks()) {
            for (Stmt d : b.stmts()) {
                if (d.result() != array) continue;
                return d.opcode() == Opcodes.CHECKCAST && depth < 8 ? definition(d.arg(0), depth + 1) : d;
            }
        }
        return null;
    }

    /** A JDK collection or map type ({@code List}, {@code ArrayList}, {@code Map}, {@code Deque}, ...). */
    private static boolean isCollection(String owner) {
        return owner.startsWith("java/util/") && !owner.startsWith("java/util/stream/") && !owner.equals("java/util/Arrays")
                && (owner.endsWith("List") || owner.endsWith("Set") || owner.endsWith("Map") || owner.endsWith("Collection")
                || owner.endsWith("Deque") || owner.endsWith("Queue") || owner.equals("java/util/Stack") || owner.equals("java/util/Vector"));
    }

    /**
     * A question about a boxed number whose answer carries no derivative: an integer of it ({@code
     * sumNumber().intValue()}: a count, an index), {@code d.isNaN()}, {@code d.isInfinite()}, {@code
     * d.compareTo(e)}, {@code d.equals(e)}, {@code d.hashCode()} — as their static forms ({@code
     * Double.isNaN(x)}, {@code Double.compare}) on the primitive.
     */
    private static boolean isQueryOfBox(MethodInsnNode m) {
        boolean number = m.owner.equals("java/lang/Number") || m.owner.equals("java/lang/Double") || m.owner.equals("java/lang/Float");
        return number && m.getOpcode() != Opcodes.INVOKESTATIC && switch (m.name) {
            case "intValue", "longValue", "shortValue", "byteValue", "isNaN", "isInfinite", "compareTo", "equals", "hashCode" -> true;
            default -> false;
        };
    }

    /** A result that cannot carry a derivative away unseen. */
    private static boolean isHarmless(Type result) {
        return switch (result.getSort()) {
            case Type.VOID, Type.BOOLEAN, Type.CHAR, Type.BYTE, Type.SHORT, Type.INT, Type.LONG -> true;
            case Type.OBJECT -> result.getInternalName().equals("java/lang/String")
                    || result.getInternalName().equals("org/nd4j/linalg/api/buffer/DataType");
            case Type.ARRAY -> result.getDimensions() == 1 && result.getElementType().getSort() < Type.FLOAT
                    && result.getElementType().getSort() != Type.VOID;
            default -> false;
        };
    }

    /** Output (printing, writing, logging): what it is given is not read back by the program as a number. */
    static boolean isOutputSink(MethodInsnNode m) {
        return isStringConversion(m) || m.owner.startsWith("java/io/") || MessageCalls.isMessageCall(m);
    }

    static boolean isStringConversion(MethodInsnNode m) {
        return (m.owner.equals("java/lang/String") && m.name.equals("valueOf"))
                || ((m.owner.equals("java/lang/StringBuilder") || m.owner.equals("java/lang/StringBuffer")) && m.name.equals("append"))
                || (m.owner.equals("java/io/PrintStream") && (m.name.equals("println") || m.name.equals("print")))
                || m.name.equals("toString");
    }

    /**
     * ND4J calls on active tensors without a rule: queries with plain results (shape, rank,
     * dtype, toString) pass; in-place operations get a message naming the out-of-place one.
     */
    private void checkTensorCall(Stmt s, MethodInsnNode m, String target, boolean harmlessResult) {
        String n = m.name;
        int written = TensorWrites.writtenArg(s);
        if (written >= 0) {
            boolean dupOverload = TensorWrites.isDupOverload(m);
            String instead = dupOverload ? simpleName(m.owner) + "." + n + " with true for dup, or its overload without the boolean"
                    : n.startsWith("put") ? PUT_REMEDY
                    : n.startsWith("assign") ? "an out-of-place operation that builds a new tensor"
                    : n.equals("unitVec") ? "x.div(x.norm2Number()) (in ND4J 1.0.0-M2.1 unitVec divides its argument itself)"
                    : n.equals("normalizeZeroMeanAndUnitVariance") ? "x.sub(x.meanNumber()).div(x.stdNumber()), which builds a new tensor"
                    : n.replaceFirst("i(RowVector|ColumnVector)?$", "$1") + "(...)";
            if (!isActive(s.arg(written))) { // acc.addi(h) into a fresh zeros accumulator
                throw refusal.at(s.line(), "in-place " + target + " that puts a differentiable value into a tensor that "
                                + "holds none",
                        "An in-place update cannot give a tensor a derivative; " + intoDataRemedy(m, written) + ".");
            }
            throw refusal.at(s.line(), "in-place " + target + " on an active INDArray",
                    "grad4j differentiates values, and an in-place update overwrites one the reverse pass needs; use " + instead + ".");
        }
        if (harmlessResult) {
            // a void (or boolean, int) ND4J call may still change a differentiable tensor it is given
            // (BooleanIndexing.replaceWhere(h, 0.0, lessThan(0))): its derivative would silently be lost
            BitSet may = TensorWrites.mayWrite(s, false);
            for (int k = may.nextSetBit(0); k >= 0; k = may.nextSetBit(k + 1)) {
                if (k < s.args().size() && isActive(s.arg(k)) && s.arg(k).kind() == Types.Kind.TENSOR) {
                    throw refusal.at(s.line(), "a call of " + target + ", which may change in place the differentiable "
                                    + "tensor it is given, and has no rule",
                            "grad4j cannot differentiate through a change it cannot see; compute the same with "
                                    + "out-of-place operations that have rules: a mask (h.mul(h.gte(0).castTo(h.dataType()))), "
                                    + "Transforms.max/min to clip, or a rule of your own (AD.registerRules).");
                }
            }
            return;
        }
        String what = "value";
        for (Value v : s.args()) {
            if (isActive(v) && v.kind() == Types.Kind.TENSOR) what = "tensor";
            else if (isActive(v) && v.kind() == Types.Kind.SHADOWED && what.equals("value")) what = "array";
        }
        Type result = Type.getReturnType(m.desc);
        boolean toJava = result.getSort() == Type.ARRAY && Types.isScalarDifferentiable(result.getElementType())
                || result.getInternalName().equals("org/nd4j/linalg/api/buffer/DataBuffer");
        if (what.equals("tensor") && toJava) { // h.toDoubleVector(), h.data().asDouble(): values leave the tensor
            throw refusal.at(s.line(), "call of " + target + " with a differentiable tensor: grad4j has no rule for this ND4J "
                            + "operation, whose result (" + result.getClassName() + ") would carry no derivative",
                    "Read the elements you need with getDouble(i) or getDouble(i, j), which differentiate, or keep the "
                            + "computation in tensor operations (sum, mul, ...).");
        }
        if (what.equals("array")) { // Nd4j.create(double[][]): no rule, and users' rules cannot give an array's adjoint
            // Nd4j.create(v, shape, 'f'), with a data type or strides: the overload, not the array, has no rule
            boolean flatArray = false;
            for (Value v : s.args()) flatArray |= isActive(v) && v.kind() == Types.Kind.SHADOWED && v.type().getDimensions() == 1;
            throw refusal.at(s.line(), "call of " + target + " with a differentiable array: grad4j has no rule for this ND4J operation"
                            + (flatArray ? " (this overload: " + m.desc + ")" : ""),
                    (flatArray ? "grad4j makes tensors from a differentiable double[] or float[] with Nd4j.create(values, shape), "
                            + "Nd4j.create(values, rows, columns) or Nd4j.createFromArray(values), in the default order and data "
                            + "type: make it so, then change order or type with tensor operations (dup('f'), castTo)."
                            : "grad4j makes tensors from a differentiable double[] or float[] only: put the values in one array and "
                            + "give the shape (Nd4j.create(values, rows, columns), Nd4j.createFromArray(values)), or join "
                            + "tensors made from them (Nd4j.vstack)."));
        }
        throw refusal.at(s.line(), "call of " + target + " with a differentiable " + what + ": grad4j has no rule for this ND4J operation",
                "Write it with operations grad4j has rules for (see the README's tensor table), or register a custom rule "
                        + "with AD.registerRules.");
    }

    /** Rows written one by one into a buffer (an RNN's states): what to write instead of putRow and its kin. */
    private static final String PUT_REMEDY = "an INDArray[] of the parts joined by Nd4j.vstack, hstack or concat "
            + "(rows[t] = h; ... Nd4j.vstack(rows)), or out-of-place operations that build the whole tensor; to zero "
            + "or replace some elements, multiply by a mask of data (h.mul(mask), h.mul(mask).add(values.mul(mask.rsub(1))))";

    /**
     * What to write instead of an in-place call that would put a differentiable value into a data
     * tensor. Not {@code acc = acc.putRow(...)}: {@code putRow}, {@code assign} and a result array
     * write in place whatever their result is assigned to, so that advice would be refused again.
     */
    private static String intoDataRemedy(MethodInsnNode m, int written) {
        String n = m.name;
        if (m.getOpcode() == Opcodes.INVOKESTATIC && n.equals("gemm")) {
            return "use Nd4j.gemm(a, b, transposeA, transposeB), which returns a new tensor (add c to it out of place)";
        }
        if (m.getOpcode() == Opcodes.INVOKESTATIC && n.equals("copy")) return "use a copy of the value: to = from.dup()";
        if (written > 0) return "drop the result array and use the new tensor the operation returns: out = x." + n + "(y)";
        if (n.startsWith("put")) return "use " + PUT_REMEDY;
        if (n.startsWith("assign")) return "use the value itself (buf = value, or value.dup()) instead of copying it into a tensor";
        return "compute a new one: acc = acc." + n.replaceFirst("i(RowVector|ColumnVector)?$", "$1") + "(...)";
    }

    /**
     * JDK methods and loggers that only read the arrays they are given and return data: text, a hash, a
     * comparison, or an index ({@code binarySearch} of a query among trainable knots: piecewise
     * constant in the values, as a hand-written search is).
     */
    private static boolean isReadOnlyArrayCall(MethodInsnNode m) {
        return m.owner.equals("java/util/Arrays") && List.of("toString", "deepToString", "equals", "deepEquals",
                "hashCode", "deepHashCode", "binarySearch", "mismatch", "compare").contains(m.name) || isIdentityText(m)
                || MessageCalls.isMessageCall(m); // log.debug("w = {}", w): the logger only makes text of it
    }

    /**
     * A JDK call that turns an object into text ({@link #isStringConversion}): for an array, its
     * identity ({@code [D@1b6d3586}): a record holding a {@code double[]}, printed.
     */
    private static boolean isIdentityText(MethodInsnNode m) {
        return isStringConversion(m) && CallResolver.isJdk(m.owner);
    }

    /**
     * Null when a lambda capturing differentiable values only orders things: a {@code Comparator}, or
     * the key given straight to {@code Comparator.comparingDouble} and its kin ({@code
     * Arrays.sort(idx, Comparator.comparingDouble(i -> score[i]))}), whose body only reads (no
     * array it did not allocate written, no double kept in a field, see {@link ArrayReaders}). What
     * it computes is only compared, so an order comes out, which is data: piecewise constant in
     * the values, as the sort of a {@code double[]} is. Else why not: "" when it is no comparator,
     * or what in the comparator may write ("it writes into an array it did not allocate (…)").
     */
    private String whyNotOnlyOrdering(Stmt s, InvokeDynamicInsnNode d) {
        if (!d.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory") || d.bsmArgs.length < 2
                || !(d.bsmArgs[1] instanceof org.objectweb.asm.Handle impl) || CallResolver.isJdk(impl.getOwner())) {
            return "";
        }
        boolean orders = Type.getReturnType(d.desc).getInternalName().equals("java/util/Comparator");
        if (!orders) {
            for (Block b : ir.blocks()) {
                for (Stmt u : b.stmts()) {
                    if (!u.args().contains(s.result())) continue;
                    if (!(u.insn() instanceof MethodInsnNode m) || !m.owner.equals("java/util/Comparator")
                            || !(m.name.startsWith("comparing") || m.name.startsWith("thenComparing"))) {
                        return "";
                    }
                    orders = true;
                }
            }
        }
        return orders ? calls.whyNotOnlyReads(impl.getOwner(), impl.getName(), impl.getDesc()) : "";
    }

    /**
     * Whether a lambda capturing differentiable values is only given to loggers ({@code
     * log.fine(() -> "loss " + loss)}, Log4j's {@code log.debug("{}", () -> loss)}) and its body
     * only reads: what it computes becomes text, which carries no derivative, so the lambda is made
     * as written, from the values themselves, and the logger may call it or not.
     */
    private boolean isOnlyLogged(Stmt s, InvokeDynamicInsnNode d) {
        if (!d.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory") || d.bsmArgs.length < 2
                || !(d.bsmArgs[1] instanceof org.objectweb.asm.Handle impl) || CallResolver.isJdk(impl.getOwner())) {
            return false;
        }
        boolean used = false;
        for (Block b : ir.blocks()) {
            for (Stmt u : b.stmts()) {
                if (!u.args().contains(s.result())) continue;
                boolean receiver = u.opcode() != Opcodes.INVOKESTATIC && u.arg(0) == s.result();
                if (!(u.insn() instanceof MethodInsnNode m) || !MessageCalls.isMessageCall(m) || receiver) return false;
                used = true;
            }
            if (b.terminator().args().contains(s.result()) || b.exitValues().containsValue(s.result())) return false;
        }
        return used && calls.whyNotOnlyReads(impl.getOwner(), impl.getName(), impl.getDesc()) == null;
    }

    /**
     * How a message names a method: {@code Outer.name}, or for the body javac gives a lambda
     * ({@code lambda$loss$0}) the lambda in the method that wrote it, which is what the source shows.
     */
    static String methodName(String owner, String name) {
        String[] parts = name.split("\\$");
        if (name.startsWith("lambda$") && parts.length >= 3) return "the lambda in " + simpleName(owner) + "." + parts[1];
        return simpleName(owner) + "." + name;
    }

    /** {@code Outer.Inner} for {@code a/b/Outer$Inner}: how the class reads in source. */
    static String simpleName(String internal) {
        return internal.substring(internal.lastIndexOf('/') + 1).replace('$', '.');
    }
}
