package org.grad4j.transformer.streams;

import static org.objectweb.asm.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The loop one pipeline runs, written where its terminal call stood. It starts with the
 * pipeline's operands on the operand stack (the source's arguments, each stage's functional
 * argument or a direct lambda's captured values, the terminal's arguments) above what waits
 * beneath, and ends with the terminal's result there instead, as the calls did.
 *
 * <p>It computes exactly what the JDK's sequential pipeline computes: elements in order, each
 * through every stage before the next, {@code sum()} and {@code average()} with the same
 * compensated (Kahan) summation (so the values are bit for bit the primal's), {@code max()} as
 * {@code reduce(Math::max)}, short-circuiting matches, {@code NoSuchElementException} from an
 * empty optional. A direct lambda's implementation is called as a method with its captured values
 * first, so a lambda capturing a differentiable array is an ordinary call; any other functional
 * argument is called through its interface.
 */
final class FusedLoop {
    private final StreamChain chain;
    private final InsnList out = new InsnList();
    private int nextLocal;
    /** The local of each operand, per link, in push order. */
    private final List<int[]> operandLocals = new ArrayList<>();

    private FusedLoop(StreamChain chain, int firstLocal) {
        this.chain = chain;
        this.nextLocal = firstLocal;
    }

    /** The code and the number of locals it uses from {@code firstLocal} on. */
    record Code(InsnList insns, int locals) {}

    static Code of(StreamChain chain, int firstLocal) {
        FusedLoop loop = new FusedLoop(chain, firstLocal);
        loop.emit();
        return new Code(loop.out, loop.nextLocal - firstLocal);
    }

    private int local(Type t) {
        int l = nextLocal;
        nextLocal += t.getSize();
        return l;
    }

    private static Type type(char c) {
        return c == 'D' ? Type.DOUBLE_TYPE : c == 'I' ? Type.INT_TYPE : OBJECT;
    }

    private static final Type OBJECT = Type.getObjectType("java/lang/Object");

    private void add(int opcode) {
        out.add(new InsnNode(opcode));
    }

    private void load(Type t, int local) {
        out.add(new VarInsnNode(t.getOpcode(ILOAD), local));
    }

    private void store(Type t, int local) {
        out.add(new VarInsnNode(t.getOpcode(ISTORE), local));
    }

    private void jump(int opcode, LabelNode to) {
        out.add(new JumpInsnNode(opcode, to));
    }

    private void emit() {
        List<StreamChain.Link> links = chain.links();
        // the operands, then what waits beneath them, into locals (the loop must start with an empty stack)
        List<Type> operandTypes = new ArrayList<>();
        List<Integer> operandSlots = new ArrayList<>();
        for (StreamChain.Link link : links) {
            List<Type> types = link.operands();
            int[] slots = new int[types.size()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = local(types.get(i));
                operandTypes.add(types.get(i));
                operandSlots.add(slots[i]);
            }
            operandLocals.add(slots);
        }
        for (int i = operandTypes.size() - 1; i >= 0; i--) store(operandTypes.get(i), operandSlots.get(i));
        Type[] beneath = chain.beneath();
        int[] spilled = new int[beneath.length];
        for (int i = 0; i < beneath.length; i++) spilled[i] = local(beneath[i]);
        for (int i = beneath.length - 1; i >= 0; i--) store(beneath[i], spilled[i]);

        Type result = pipeline();

        if (beneath.length > 0) {
            int kept = result.getSort() == Type.VOID ? -1 : local(result);
            if (kept >= 0) store(result, kept);
            for (int i = 0; i < beneath.length; i++) load(beneath[i], spilled[i]);
            if (kept >= 0) load(result, kept);
        }
    }

    /** The loop over the source, the stages, the terminal; leaves the result on the stack and returns its type. */
    private Type pipeline() {
        List<StreamChain.Link> links = chain.links();
        StreamChain.Link source = links.get(0);
        int[] src = operandLocals.get(0);
        int array = -1, iterator = -1, index = local(Type.INT_TYPE), end;
        switch (source.op().kind()) {
            case ARRAY -> {
                array = src[0];
                end = local(Type.INT_TYPE);
                out.add(new VarInsnNode(ALOAD, array));
                add(ARRAYLENGTH);
                store(Type.INT_TYPE, end);
                add(ICONST_0);
                store(Type.INT_TYPE, index);
            }
            case ARRAY_RANGE -> {
                array = src[0];
                end = src[2];
                out.add(new VarInsnNode(ALOAD, array));
                add(ARRAYLENGTH);
                load(Type.INT_TYPE, src[1]);
                load(Type.INT_TYPE, src[2]);
                out.add(new MethodInsnNode(INVOKESTATIC, "org/grad4j/runtime/ArrayRanges", "checkFromTo", "(III)V", false));
                load(Type.INT_TYPE, src[1]);
                store(Type.INT_TYPE, index);
            }
            case COLLECTION -> { // the index counts the elements, the iterator gives them
                end = local(Type.INT_TYPE);
                out.add(new VarInsnNode(ALOAD, src[0]));
                out.add(new MethodInsnNode(INVOKEINTERFACE, "java/util/Collection", "size", "()I", true));
                store(Type.INT_TYPE, end);
                add(ICONST_0);
                store(Type.INT_TYPE, index);
                iterator = local(OBJECT);
                out.add(new VarInsnNode(ALOAD, src[0]));
                out.add(new MethodInsnNode(INVOKEINTERFACE, "java/util/Collection", "iterator", "()Ljava/util/Iterator;", true));
                out.add(new VarInsnNode(ASTORE, iterator));
            }
            case SINGLE -> { // a loop of one: the operand is the element
                end = local(Type.INT_TYPE);
                add(ICONST_1);
                store(Type.INT_TYPE, end);
                add(ICONST_0);
                store(Type.INT_TYPE, index);
            }
            default -> { // RANGE, RANGE_CLOSED
                end = src[1];
                load(Type.INT_TYPE, src[0]);
                store(Type.INT_TYPE, index);
            }
        }
        StreamChain.Link terminal = terminalLink();
        boolean filtered = false;
        boolean sliced = false; // a skip or a limit: the size stays known (JDK-8265029), but not the source's
        for (StreamChain.Link l : links) {
            StreamOp.Kind k = l.op().kind();
            filtered |= k == StreamOp.Kind.FILTER;
            sliced |= k == StreamOp.Kind.LIMIT || k == StreamOp.Kind.SKIP;
        }
        int[] counted = sliceCounters(links, terminal); // per link: the count of a limit or skip, else -1
        if (terminal.op().kind() == StreamOp.Kind.COUNT && !filtered) {
            sizedCount(source, index, end);
            return Type.LONG_TYPE;
        }
        filtered |= sliced; // fewer elements than the source's: toArray trims its buffer
        char elementType = terminal.op().in();
        Terminal t = new Terminal(terminal, elementType, operandLocals.get(links.indexOf(terminal)));
        t.before(source, index, end, filtered);

        // rangeClosed(a, b) counts in a long: with b = Integer.MAX_VALUE an int counter would never pass b
        boolean closed = source.op().kind() == StreamOp.Kind.RANGE_CLOSED;
        int counter = closed ? local(Type.LONG_TYPE) : index;
        if (closed) {
            load(Type.INT_TYPE, index);
            add(I2L);
            store(Type.LONG_TYPE, counter);
        }
        LabelNode head = new LabelNode(), next = new LabelNode(), exit = new LabelNode();
        out.add(head);
        for (int i = 0; i < links.size(); i++) { // a limit reached stops the source, as the JDK's cancellation does
            if (links.get(i).op().kind() != StreamOp.Kind.LIMIT) continue;
            load(Type.LONG_TYPE, counted[i]);
            load(Type.LONG_TYPE, operandLocals.get(i)[0]);
            add(LCMP);
            jump(IFGE, exit);
        }
        char current = source.op().out();
        int element = local(type(current));
        if (iterator >= 0) {
            out.add(new VarInsnNode(ALOAD, iterator));
            out.add(new MethodInsnNode(INVOKEINTERFACE, "java/util/Iterator", "hasNext", "()Z", true));
            jump(IFEQ, exit);
        } else if (closed) {
            load(Type.LONG_TYPE, counter);
            load(Type.INT_TYPE, end);
            add(I2L);
            add(LCMP);
            jump(IFGT, exit);
        } else {
            load(Type.INT_TYPE, index);
            load(Type.INT_TYPE, end);
            jump(IF_ICMPGE, exit);
        }
        if (closed) {
            load(Type.LONG_TYPE, counter);
            add(L2I);
        } else if (iterator >= 0) {
            out.add(new VarInsnNode(ALOAD, iterator));
            out.add(new MethodInsnNode(INVOKEINTERFACE, "java/util/Iterator", "next", "()Ljava/lang/Object;", true));
        } else if (source.op().kind() == StreamOp.Kind.SINGLE) {
            load(type(current), src[0]);
        } else if (array >= 0) {
            out.add(new VarInsnNode(ALOAD, array));
            load(Type.INT_TYPE, index);
            add(type(current).getOpcode(IALOAD));
        } else {
            load(Type.INT_TYPE, index);
        }
        store(type(current), element);
        for (int i = 1; i < links.size() && links.get(i) != terminal; i++) {
            StreamChain.Link l = links.get(i);
            int[] operands = operandLocals.get(i);
            int in = element;
            Runnable loadElement = () -> load(type(l.op().in()), in);
            switch (l.op().kind()) {
                case MAP -> {
                    call(l, operands, loadElement);
                    if (l.op().out() != l.op().in()) element = local(type(l.op().out())); // mapToDouble
                    store(type(l.op().out()), element);
                }
                case FILTER -> {
                    call(l, operands, loadElement);
                    jump(IFEQ, next);
                }
                case PEEK -> call(l, operands, loadElement);
                case LIMIT -> increment(Type.LONG_TYPE, counted[i]);
                case SKIP -> {
                    LabelNode through = new LabelNode();
                    load(Type.LONG_TYPE, counted[i]);
                    load(Type.LONG_TYPE, operands[0]);
                    add(LCMP);
                    jump(IFGE, through);
                    increment(Type.LONG_TYPE, counted[i]);
                    jump(GOTO, next);
                    out.add(through);
                }
                case AS_DOUBLE -> {
                    loadElement.run();
                    add(I2D);
                    element = local(Type.DOUBLE_TYPE);
                    store(Type.DOUBLE_TYPE, element);
                }
                default -> throw new IllegalStateException("not a stage: " + l.op());
            }
        }
        t.accept(element, next, exit);
        out.add(next);
        if (closed) {
            increment(Type.LONG_TYPE, counter);
        } else {
            out.add(new IincInsnNode(index, 1));
        }
        jump(GOTO, head);
        out.add(exit);
        return t.after();
    }

    /**
     * {@code count()} of a stream of known size, which the JDK computes without running its stages
     * (their side effects do not happen): the source's length, less what a {@code skip} drops, at most
     * what a {@code limit} keeps (JDK-8265029 keeps the size known through them).
     */
    private void sizedCount(StreamChain.Link source, int index, int end) {
        List<StreamChain.Link> links = chain.links();
        sourceLength(source, index, end, Type.LONG_TYPE);
        for (int i = 0; i < links.size(); i++) {
            StreamOp.Kind k = links.get(i).op().kind();
            if (k != StreamOp.Kind.LIMIT && k != StreamOp.Kind.SKIP) continue;
            load(Type.LONG_TYPE, operandLocals.get(i)[0]);
            if (k == StreamOp.Kind.SKIP) { // max(0, size - n)
                add(LSUB);
                add(LCONST_0);
                out.add(new MethodInsnNode(INVOKESTATIC, "java/lang/Math", "max", "(JJ)J", false));
            } else { // min(size, n)
                out.add(new MethodInsnNode(INVOKESTATIC, "java/lang/Math", "min", "(JJ)J", false));
            }
        }
    }

    /**
     * A zero count per {@code limit} and {@code skip} (by link index; -1 for other links), after the
     * JDK's check of their argument: a negative one throws {@code IllegalArgumentException}.
     */
    private int[] sliceCounters(List<StreamChain.Link> links, StreamChain.Link terminal) {
        int[] counted = new int[links.size()];
        java.util.Arrays.fill(counted, -1);
        for (int i = 0; i < links.size() && links.get(i) != terminal; i++) {
            StreamOp.Kind k = links.get(i).op().kind();
            if (k != StreamOp.Kind.LIMIT && k != StreamOp.Kind.SKIP) continue;
            int n = operandLocals.get(i)[0];
            LabelNode fine = new LabelNode();
            load(Type.LONG_TYPE, n);
            add(LCONST_0);
            add(LCMP);
            jump(IFGE, fine);
            out.add(new TypeInsnNode(NEW, "java/lang/IllegalArgumentException"));
            add(DUP);
            load(Type.LONG_TYPE, n);
            out.add(new MethodInsnNode(INVOKESTATIC, "java/lang/Long", "toString", "(J)Ljava/lang/String;", false));
            out.add(new MethodInsnNode(INVOKESPECIAL, "java/lang/IllegalArgumentException", "<init>", "(Ljava/lang/String;)V", false));
            add(ATHROW);
            out.add(fine);
            counted[i] = local(Type.LONG_TYPE);
            add(LCONST_0);
            store(Type.LONG_TYPE, counted[i]);
        }
        return counted;
    }

    /** {@code local += 1}, a long or a double (the JDK counts an average's elements in a double). */
    private void increment(Type t, int local) {
        load(t, local);
        add(t.getSort() == Type.LONG ? LCONST_1 : DCONST_1);
        add(t.getOpcode(IADD));
        store(t, local);
    }

    /**
     * Pushes how many elements the source gives, before any filter: {@code max(0, end - index)}, one
     * more for a closed range, as an int or a long.
     */
    private void sourceLength(StreamChain.Link source, int index, int end, Type t) {
        boolean wide = t.getSort() == Type.LONG;
        load(Type.INT_TYPE, end);
        if (wide) add(I2L);
        load(Type.INT_TYPE, index);
        if (wide) add(I2L);
        add(t.getOpcode(ISUB));
        if (source.op().kind() == StreamOp.Kind.RANGE_CLOSED) {
            add(wide ? LCONST_1 : ICONST_1);
            add(t.getOpcode(IADD));
        }
        add(wide ? LCONST_0 : ICONST_0);
        String d = t.getDescriptor();
        out.add(new MethodInsnNode(INVOKESTATIC, "java/lang/Math", "max", "(" + d + d + ")" + d, false));
    }

    /** The terminal call, or the call giving the optional its last link reads. */
    private StreamChain.Link terminalLink() {
        List<StreamChain.Link> links = chain.links();
        StreamChain.Link last = links.get(links.size() - 1);
        return last.op().kind().readsHolder() ? links.get(links.size() - 2) : last;
    }

    /** Calls a link's functional argument: its direct lambda's implementation, or the interface method. */
    private void call(StreamChain.Link l, int[] operands, Runnable arguments) {
        if (l.lambda() == null) {
            out.add(new VarInsnNode(ALOAD, operands[operands.length - 1]));
            arguments.run();
            StreamOp.Function f = l.op().function();
            out.add(new MethodInsnNode(INVOKEINTERFACE, f.owner(), f.name(), f.descriptor(), true));
            return;
        }
        Type[] captured = Type.getArgumentTypes(l.lambda().desc);
        int first = operands.length - captured.length;
        for (int c = 0; c < captured.length; c++) load(captured[c], operands[first + c]);
        arguments.run();
        Type[] instantiated = ((Type) l.lambda().bsmArgs[2]).getArgumentTypes();
        Type last = instantiated.length == 0 ? OBJECT : instantiated[instantiated.length - 1];
        if ((last.getSort() == Type.OBJECT || last.getSort() == Type.ARRAY) && !last.equals(OBJECT)) {
            out.add(new TypeInsnNode(CHECKCAST, last.getInternalName())); // the element, as the lambda declares it
        }
        Handle h = l.implementation();
        if (h.getOwner().equals("java/lang/Double") && h.getName().equals("sum")) {
            add(DADD); // reduce(0, Double::sum): a + b by definition; Double.sum has no rule (it is the tests' JDK method without one)
            return;
        }
        int opcode = switch (h.getTag()) {
            case H_INVOKESTATIC -> INVOKESTATIC;
            case H_INVOKESPECIAL -> INVOKESPECIAL;
            case H_INVOKEINTERFACE -> INVOKEINTERFACE;
            default -> INVOKEVIRTUAL;
        };
        out.add(new MethodInsnNode(opcode, h.getOwner(), h.getName(), h.getDesc(), h.isInterface()));
    }

    /** The terminal operation: its state before the loop, its step per element, its result after. */
    private final class Terminal {
        final StreamChain.Link link;
        final StreamOp.Kind kind;
        final Type element;
        final int[] operands;
        int state = -1, empty = -1, high = -1, low = -1, simple = -1, count = -1, buffer = -1, filled = -1, flag = -1;
        boolean filtered;

        Terminal(StreamChain.Link link, char elementType, int[] operands) {
            this.link = link;
            this.kind = link.op().kind();
            this.element = type(elementType);
            this.operands = operands;
        }

        void before(StreamChain.Link source, int index, int end, boolean filtered) {
            this.filtered = filtered;
            switch (kind) {
                case SUM -> {
                    if (element.getSort() == Type.INT) {
                        state = zero(Type.INT_TYPE);
                    } else {
                        compensatedSum();
                    }
                }
                case AVERAGE -> {
                    count = zero(Type.DOUBLE_TYPE);
                    compensatedSum();
                }
                case COUNT -> count = zero(Type.LONG_TYPE);
                case REDUCE -> {
                    state = local(element);
                    load(element, operands[0]);
                    store(element, state);
                }
                case MAX, MIN, REDUCE_OPTIONAL, FIND -> {
                    state = zero(element);
                    empty = constant(1);
                }
                case ANY_MATCH -> flag = constant(0);
                case ALL_MATCH, NONE_MATCH -> flag = constant(1);
                case TO_ARRAY -> {
                    // at most this many elements: the range's length (none when it is empty or reversed)
                    sourceLength(source, index, end, Type.INT_TYPE);
                    newArray();
                    buffer = local(Type.getType("[" + element.getDescriptor()));
                    out.add(new VarInsnNode(ASTORE, buffer));
                    filled = constant(0);
                }
                case FOR_EACH -> { }
                case COLLECT -> {
                    if (averaging()) count = zero(Type.DOUBLE_TYPE);
                    compensatedSum();
                }
                default -> throw new IllegalStateException("not a terminal operation: " + kind);
            }
        }

        /** {@code Collectors.averagingDouble} rather than {@code summingDouble}. */
        private boolean averaging() {
            return link.collector().name.equals("averagingDouble");
        }

        private void newArray() {
            out.add(new IntInsnNode(NEWARRAY, element.getSort() == Type.DOUBLE ? T_DOUBLE : T_INT));
        }

        private int zero(Type t) {
            int l = local(t);
            add(t.getSort() == Type.DOUBLE ? DCONST_0 : t.getSort() == Type.LONG ? LCONST_0 : ICONST_0);
            store(t, l);
            return l;
        }

        private int constant(int value) {
            int l = local(Type.INT_TYPE);
            add(ICONST_0 + value);
            store(Type.INT_TYPE, l);
            return l;
        }

        private void compensatedSum() {
            high = zero(Type.DOUBLE_TYPE);
            low = zero(Type.DOUBLE_TYPE);
            simple = zero(Type.DOUBLE_TYPE);
        }

        void accept(int e, LabelNode next, LabelNode exit) {
            switch (kind) {
                case SUM -> {
                    if (element.getSort() == Type.INT) {
                        load(element, state);
                        load(element, e);
                        add(IADD);
                        store(element, state);
                    } else {
                        addCompensated(e);
                    }
                }
                case AVERAGE -> {
                    increment(Type.DOUBLE_TYPE, count); // the JDK's ll[2]++, a double
                    addCompensated(e);
                }
                case COUNT -> increment(Type.LONG_TYPE, count);
                case REDUCE -> {
                    call(link, operands, () -> {
                        load(element, state);
                        load(element, e);
                    });
                    store(element, state);
                }
                case MAX, MIN, REDUCE_OPTIONAL -> {
                    LabelNode later = new LabelNode();
                    load(Type.INT_TYPE, empty);
                    jump(IFEQ, later);
                    load(element, e);
                    store(element, state);
                    add(ICONST_0);
                    store(Type.INT_TYPE, empty);
                    jump(GOTO, next);
                    out.add(later);
                    if (kind == StreamOp.Kind.REDUCE_OPTIONAL) {
                        call(link, operands, () -> {
                            load(element, state);
                            load(element, e);
                        });
                    } else {
                        load(element, state);
                        load(element, e);
                        String d = element.getDescriptor();
                        out.add(new MethodInsnNode(INVOKESTATIC, "java/lang/Math", kind == StreamOp.Kind.MAX ? "max" : "min",
                                "(" + d + d + ")" + d, false));
                    }
                    store(element, state);
                }
                case FIND -> { // the first element to get here, and stop
                    load(element, e);
                    store(element, state);
                    add(ICONST_0);
                    store(Type.INT_TYPE, empty);
                    jump(GOTO, exit);
                }
                case ANY_MATCH, ALL_MATCH, NONE_MATCH -> {
                    call(link, operands, () -> load(element, e));
                    // anyMatch and noneMatch stop at the first match, allMatch at the first miss
                    jump(kind == StreamOp.Kind.ALL_MATCH ? IFNE : IFEQ, next);
                    add(kind == StreamOp.Kind.ANY_MATCH ? ICONST_1 : ICONST_0);
                    store(Type.INT_TYPE, flag);
                    jump(GOTO, exit);
                }
                case TO_ARRAY -> {
                    out.add(new VarInsnNode(ALOAD, buffer));
                    load(Type.INT_TYPE, filled);
                    load(element, e);
                    add(element.getOpcode(IASTORE));
                    out.add(new IincInsnNode(filled, 1));
                }
                case FOR_EACH -> call(link, operands, () -> load(element, e));
                case COLLECT -> { // the collector's accumulator: the value, summed with compensation, then counted
                    call(link, operands, () -> load(element, e));
                    int value = local(Type.DOUBLE_TYPE);
                    store(Type.DOUBLE_TYPE, value);
                    addCompensated(value);
                    if (averaging()) increment(Type.DOUBLE_TYPE, count);
                }
                default -> throw new IllegalStateException("not a terminal operation: " + kind);
            }
        }

        /** Collectors.sumWithCompensation, then the simple sum beside it, as DoublePipeline.sum() does. */
        private void addCompensated(int e) {
            int tmp = local(Type.DOUBLE_TYPE), sum = local(Type.DOUBLE_TYPE);
            load(Type.DOUBLE_TYPE, e);
            load(Type.DOUBLE_TYPE, low);
            add(DSUB);
            store(Type.DOUBLE_TYPE, tmp);
            load(Type.DOUBLE_TYPE, high);
            load(Type.DOUBLE_TYPE, tmp);
            add(DADD);
            store(Type.DOUBLE_TYPE, sum);
            load(Type.DOUBLE_TYPE, sum);
            load(Type.DOUBLE_TYPE, high);
            add(DSUB);
            load(Type.DOUBLE_TYPE, tmp);
            add(DSUB);
            store(Type.DOUBLE_TYPE, low);
            load(Type.DOUBLE_TYPE, sum);
            store(Type.DOUBLE_TYPE, high);
            load(Type.DOUBLE_TYPE, simple);
            load(Type.DOUBLE_TYPE, e);
            add(DADD);
            store(Type.DOUBLE_TYPE, simple);
        }

        /**
         * The sum's value on the stack: {@code StreamSums.value(high, low, simple)}, the JDK's final
         * sum of the compensated one (or the simple one where that is a same-signed infinity), its
         * derivative taken through the simple sum, so the compensation needs no adjoint code.
         */
        private void finalSum() {
            load(Type.DOUBLE_TYPE, high);
            load(Type.DOUBLE_TYPE, low);
            load(Type.DOUBLE_TYPE, simple);
            out.add(new MethodInsnNode(INVOKESTATIC, "org/grad4j/runtime/StreamSums", "value", "(DDD)D", false));
        }

        /** The mean of a non-empty sum on the stack: the final sum over the count. */
        private void mean() {
            finalSum();
            load(Type.DOUBLE_TYPE, count);
            add(DDIV);
        }

        Type after() {
            switch (kind) {
                case SUM -> {
                    if (element.getSort() == Type.INT) {
                        load(element, state);
                    } else {
                        finalSum();
                    }
                    return element;
                }
                case AVERAGE -> {
                    // present when count > 0, with the compensated sum divided by the count
                    state = local(Type.DOUBLE_TYPE);
                    empty = local(Type.INT_TYPE);
                    LabelNode none = new LabelNode(), done = new LabelNode();
                    load(Type.DOUBLE_TYPE, count);
                    add(DCONST_0);
                    add(DCMPL);
                    jump(IFLE, none);
                    mean();
                    store(Type.DOUBLE_TYPE, state);
                    add(ICONST_0);
                    store(Type.INT_TYPE, empty);
                    jump(GOTO, done);
                    out.add(none);
                    add(DCONST_0);
                    store(Type.DOUBLE_TYPE, state);
                    add(ICONST_1);
                    store(Type.INT_TYPE, empty);
                    out.add(done);
                    return readOptional();
                }
                case MAX, MIN, REDUCE_OPTIONAL, FIND -> {
                    return readOptional();
                }
                case COUNT -> {
                    load(Type.LONG_TYPE, count);
                    return Type.LONG_TYPE;
                }
                case REDUCE -> {
                    load(element, state);
                    return element;
                }
                case ANY_MATCH, ALL_MATCH, NONE_MATCH -> {
                    load(Type.INT_TYPE, flag);
                    return Type.BOOLEAN_TYPE;
                }
                case TO_ARRAY -> {
                    Type arrayType = Type.getType("[" + element.getDescriptor());
                    out.add(new VarInsnNode(ALOAD, buffer));
                    if (filtered) trimmed();
                    return arrayType;
                }
                case FOR_EACH -> {
                    return Type.VOID_TYPE;
                }
                case COLLECT -> { // the finisher: the final sum, or 0 for no elements and else the sum over the count
                    if (!averaging()) {
                        finalSum();
                        return Type.DOUBLE_TYPE;
                    }
                    LabelNode some = new LabelNode(), done = new LabelNode();
                    load(Type.DOUBLE_TYPE, count);
                    add(DCONST_0);
                    add(DCMPL);
                    jump(IFNE, some);
                    add(DCONST_0);
                    jump(GOTO, done);
                    out.add(some);
                    mean();
                    out.add(done);
                    return Type.DOUBLE_TYPE;
                }
                default -> throw new IllegalStateException("not a terminal operation: " + kind);
            }
        }

        /** The buffer on the stack, copied to an array of the elements a filter let through when it kept fewer. */
        private void trimmed() {
            LabelNode done = new LabelNode();
            add(DUP);
            add(ARRAYLENGTH);
            load(Type.INT_TYPE, filled);
            jump(IF_ICMPEQ, done);
            load(Type.INT_TYPE, filled);
            String array = "[" + element.getDescriptor();
            out.add(new MethodInsnNode(INVOKESTATIC, "java/util/Arrays", "copyOf", "(" + array + "I)" + array, false));
            out.add(done);
        }

        /** The read of the optional result that ends the pipeline. */
        private Type readOptional() {
            List<StreamChain.Link> links = chain.links();
            StreamChain.Link read = links.get(links.size() - 1);
            switch (read.op().kind()) {
                case GET, GET_OR_THROW -> { // the value, or what getAsDouble() or the supplier throws when empty
                    LabelNode present = new LabelNode();
                    load(Type.INT_TYPE, empty);
                    jump(IFEQ, present);
                    if (read.op().kind() == StreamOp.Kind.GET) {
                        out.add(new TypeInsnNode(NEW, "java/util/NoSuchElementException"));
                        add(DUP);
                        out.add(new LdcInsnNode("No value present"));
                        out.add(new MethodInsnNode(INVOKESPECIAL, "java/util/NoSuchElementException", "<init>",
                                "(Ljava/lang/String;)V", false));
                    } else {
                        call(read, operandLocals.get(links.size() - 1), () -> { });
                        out.add(new TypeInsnNode(CHECKCAST, "java/lang/Throwable"));
                    }
                    add(ATHROW);
                    out.add(present);
                    load(element, state);
                    return element;
                }
                case OR_ELSE -> {
                    LabelNode present = new LabelNode(), done = new LabelNode();
                    load(Type.INT_TYPE, empty);
                    jump(IFEQ, present);
                    load(element, operandLocals.get(links.size() - 1)[0]);
                    jump(GOTO, done);
                    out.add(present);
                    load(element, state);
                    out.add(done);
                    return element;
                }
                default -> { // IS_PRESENT
                    load(Type.INT_TYPE, empty);
                    add(ICONST_1);
                    add(IXOR);
                    return Type.BOOLEAN_TYPE;
                }
            }
        }
    }
}
