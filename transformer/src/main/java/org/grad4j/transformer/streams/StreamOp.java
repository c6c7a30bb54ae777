package org.grad4j.transformer.streams;

import java.util.HashMap;
import java.util.Map;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * The stream operations fused into loops: what each call of {@code java.util.stream} does to the
 * elements flowing through it. Sequential streams of {@code double}, {@code int} and objects (of an
 * array or a collection, to be mapped to numbers); a pipeline with any other operation
 * ({@code sorted}, {@code boxed}, {@code parallel}, {@code collect}, …) is left as written.
 *
 * @param kind what the operation does
 * @param in the element type it takes ({@code 'D'}, {@code 'I'}, {@code 'L'} for an object), 0 for a source
 * @param out the element type it gives, 0 for a terminal operation
 * @param function the functional interface method its last argument is called through, or null
 */
record StreamOp(Kind kind, char in, char out, Function function) {

    enum Kind {
        /** {@code Arrays.stream(a)}, {@code DoubleStream.of(a...)}: the elements of an array. */
        ARRAY,
        /** {@code Arrays.stream(a, from, to)}. */
        ARRAY_RANGE,
        /** {@code IntStream.range(from, to)}. */
        RANGE,
        /** {@code IntStream.rangeClosed(from, to)}. */
        RANGE_CLOSED,
        /** {@code list.stream()}: the elements of a collection, in its iterator's order. */
        COLLECTION,
        /** {@code DoubleStream.of(v)}: one element. */
        SINGLE,
        MAP, FILTER, PEEK,
        /** {@code limit(n)}, {@code skip(n)}: a count of the elements that reach them. */
        LIMIT, SKIP,
        /** {@code asDoubleStream()}: an int widened to double. */
        AS_DOUBLE,
        SUM, COUNT, TO_ARRAY, FOR_EACH, ANY_MATCH, ALL_MATCH, NONE_MATCH,
        /** {@code reduce(identity, op)}. */
        REDUCE,
        /** Terminal operations that give an optional value. */
        MAX, MIN, AVERAGE, REDUCE_OPTIONAL, FIND,
        /** Reads of the optional value: {@code getAsDouble()}, {@code orElseThrow()}. */
        GET,
        /** {@code orElseThrow(() -> new IllegalStateException(…))}: the supplier's exception when empty. */
        GET_OR_THROW,
        OR_ELSE, IS_PRESENT,
        /**
         * {@code collect(Collectors.summingDouble(f))} or {@code averagingDouble(f)}: the collector made
         * right at the call, its function called per element; the result a {@code Double}.
         */
        COLLECT,
        /** {@code (Double) …collect(…)} unboxed: {@code doubleValue()} of what {@link #COLLECT} gave. */
        UNBOX;

        boolean isSource() {
            return this == ARRAY || this == ARRAY_RANGE || this == RANGE || this == RANGE_CLOSED || this == COLLECTION
                    || this == SINGLE;
        }

        /** Terminal operations whose result is read by one more call: an optional, a collected box. */
        boolean givesHolder() {
            return this == MAX || this == MIN || this == AVERAGE || this == REDUCE_OPTIONAL || this == FIND || this == COLLECT;
        }

        boolean readsHolder() {
            return this == GET || this == GET_OR_THROW || this == OR_ELSE || this == IS_PRESENT || this == UNBOX;
        }
    }

    /** The method a functional argument is called through, with its descriptor. */
    record Function(String owner, String name, String descriptor) {}

    private static final String STREAM = "java/util/stream/";
    private static final String FUNCTION = "java/util/function/";
    private static final Map<String, StreamOp> OPS = new HashMap<>();

    static {
        for (char t : new char[] {'D', 'I'}) {
            String stream = STREAM + (t == 'D' ? "DoubleStream" : "IntStream");
            String s = "L" + stream + ";";
            String optional = "Ljava/util/" + (t == 'D' ? "OptionalDouble" : "OptionalInt") + ";";
            String box = t == 'D' ? "Double" : "Int";
            String unary = FUNCTION + box + "UnaryOperator";
            String predicate = FUNCTION + box + "Predicate";
            String consumer = FUNCTION + box + "Consumer";
            String binary = FUNCTION + box + "BinaryOperator";
            String apply = t == 'D' ? "applyAsDouble" : "applyAsInt";

            source("java/util/Arrays.stream([" + t + ")" + s, Kind.ARRAY, t);
            source("java/util/Arrays.stream([" + t + "II)" + s, Kind.ARRAY_RANGE, t);
            source(stream + ".of([" + t + ")" + s, Kind.ARRAY, t);
            source(stream + ".of(" + t + ")" + s, Kind.SINGLE, t);

            stage(stream + ".map(L" + unary + ";)" + s, Kind.MAP, t, t, fn(unary, apply, "(" + t + ")" + t));
            stage(stream + ".filter(L" + predicate + ";)" + s, Kind.FILTER, t, t, fn(predicate, "test", "(" + t + ")Z"));
            stage(stream + ".peek(L" + consumer + ";)" + s, Kind.PEEK, t, t, fn(consumer, "accept", "(" + t + ")V"));

            stage(stream + ".limit(J)" + s, Kind.LIMIT, t, t, null);
            stage(stream + ".skip(J)" + s, Kind.SKIP, t, t, null);
            terminal(stream + ".findFirst()" + optional, Kind.FIND, t, null);
            terminal(stream + ".findAny()" + optional, Kind.FIND, t, null); // sequential: the first

            terminal(stream + ".sum()" + t, Kind.SUM, t, null);
            terminal(stream + ".count()J", Kind.COUNT, t, null);
            terminal(stream + ".toArray()[" + t, Kind.TO_ARRAY, t, null);
            terminal(stream + ".forEach(L" + consumer + ";)V", Kind.FOR_EACH, t, fn(consumer, "accept", "(" + t + ")V"));
            terminal(stream + ".anyMatch(L" + predicate + ";)Z", Kind.ANY_MATCH, t, fn(predicate, "test", "(" + t + ")Z"));
            terminal(stream + ".allMatch(L" + predicate + ";)Z", Kind.ALL_MATCH, t, fn(predicate, "test", "(" + t + ")Z"));
            terminal(stream + ".noneMatch(L" + predicate + ";)Z", Kind.NONE_MATCH, t, fn(predicate, "test", "(" + t + ")Z"));
            Function op = fn(binary, apply, "(" + t + t + ")" + t);
            terminal(stream + ".reduce(" + t + "L" + binary + ";)" + t, Kind.REDUCE, t, op);
            terminal(stream + ".max()" + optional, Kind.MAX, t, null);
            terminal(stream + ".min()" + optional, Kind.MIN, t, null);
            terminal(stream + ".reduce(L" + binary + ";)" + optional, Kind.REDUCE_OPTIONAL, t, op);

            String opt = optional.substring(1, optional.length() - 1);
            terminal(opt + ".getAs" + (t == 'D' ? "Double" : "Int") + "()" + t, Kind.GET, t, null);
            terminal(opt + ".orElseThrow()" + t, Kind.GET, t, null);
            terminal(opt + ".orElse(" + t + ")" + t, Kind.OR_ELSE, t, null);
            terminal(opt + ".isPresent()Z", Kind.IS_PRESENT, t, null);
            terminal(opt + ".orElseThrow(L" + FUNCTION + "Supplier;)" + t, Kind.GET_OR_THROW, t,
                    fn(FUNCTION + "Supplier", "get", "()Ljava/lang/Object;"));
        }
        source(STREAM + "IntStream.range(II)L" + STREAM + "IntStream;", Kind.RANGE, 'I');
        source(STREAM + "IntStream.rangeClosed(II)L" + STREAM + "IntStream;", Kind.RANGE_CLOSED, 'I');
        stage(STREAM + "IntStream.mapToDouble(L" + FUNCTION + "IntToDoubleFunction;)L" + STREAM + "DoubleStream;",
                Kind.MAP, 'I', 'D', fn(FUNCTION + "IntToDoubleFunction", "applyAsDouble", "(I)D"));
        stage(STREAM + "IntStream.asDoubleStream()L" + STREAM + "DoubleStream;", Kind.AS_DOUBLE, 'I', 'D', null);
        terminal(STREAM + "DoubleStream.average()Ljava/util/OptionalDouble;", Kind.AVERAGE, 'D', null);

        // objects: an array of rows or records, or a collection, mapped to numbers
        String objects = STREAM + "Stream";
        String o = "L" + objects + ";";
        String object = "Ljava/lang/Object;";
        source("java/util/Arrays.stream([" + object + ")" + o, Kind.ARRAY, 'L');
        source("java/util/Arrays.stream([" + object + "II)" + o, Kind.ARRAY_RANGE, 'L');
        source(objects + ".of([" + object + ")" + o, Kind.ARRAY, 'L');
        source(objects + ".of(" + object + ")" + o, Kind.SINGLE, 'L');
        for (String collection : new String[] {"java/util/Collection", "java/util/List", "java/util/Set",
                "java/util/ArrayList", "java/util/LinkedList", "java/util/Queue", "java/util/Deque", "java/util/ArrayDeque"}) {
            source(collection + ".stream()" + o, Kind.COLLECTION, 'L');
        }
        String predicate = FUNCTION + "Predicate", consumer = FUNCTION + "Consumer";
        stage(objects + ".filter(L" + predicate + ";)" + o, Kind.FILTER, 'L', 'L', fn(predicate, "test", "(" + object + ")Z"));
        stage(objects + ".peek(L" + consumer + ";)" + o, Kind.PEEK, 'L', 'L', fn(consumer, "accept", "(" + object + ")V"));
        stage(objects + ".map(L" + FUNCTION + "Function;)" + o, Kind.MAP, 'L', 'L',
                fn(FUNCTION + "Function", "apply", "(" + object + ")" + object));
        stage(objects + ".mapToDouble(L" + FUNCTION + "ToDoubleFunction;)L" + STREAM + "DoubleStream;", Kind.MAP, 'L', 'D',
                fn(FUNCTION + "ToDoubleFunction", "applyAsDouble", "(" + object + ")D"));
        stage(objects + ".mapToInt(L" + FUNCTION + "ToIntFunction;)L" + STREAM + "IntStream;", Kind.MAP, 'L', 'I',
                fn(FUNCTION + "ToIntFunction", "applyAsInt", "(" + object + ")I"));
        stage(objects + ".limit(J)" + o, Kind.LIMIT, 'L', 'L', null);
        stage(objects + ".skip(J)" + o, Kind.SKIP, 'L', 'L', null);
        terminal(objects + ".forEach(L" + consumer + ";)V", Kind.FOR_EACH, 'L', fn(consumer, "accept", "(" + object + ")V"));
        terminal(objects + ".count()J", Kind.COUNT, 'L', null);
        for (String match : new String[] {"anyMatch", "allMatch", "noneMatch"}) {
            terminal(objects + "." + match + "(L" + predicate + ";)Z",
                    match.equals("anyMatch") ? Kind.ANY_MATCH : match.equals("allMatch") ? Kind.ALL_MATCH : Kind.NONE_MATCH,
                    'L', fn(predicate, "test", "(" + object + ")Z"));
        }
        stage(STREAM + "IntStream.mapToObj(L" + FUNCTION + "IntFunction;)" + o, Kind.MAP, 'I', 'L',
                fn(FUNCTION + "IntFunction", "apply", "(I)" + object));
        stage(STREAM + "DoubleStream.mapToObj(L" + FUNCTION + "DoubleFunction;)" + o, Kind.MAP, 'D', 'L',
                fn(FUNCTION + "DoubleFunction", "apply", "(D)" + object));
        terminal(objects + ".collect(Ljava/util/stream/Collector;)" + object, Kind.COLLECT, 'L',
                fn(FUNCTION + "ToDoubleFunction", "applyAsDouble", "(" + object + ")D"));
        terminal("java/lang/Double.doubleValue()D", Kind.UNBOX, 'D', null);
    }

    private static Function fn(String owner, String name, String descriptor) {
        return new Function(owner, name, descriptor);
    }

    private static void source(String key, Kind kind, char out) {
        OPS.put(key, new StreamOp(kind, (char) 0, out, null));
    }

    private static void stage(String key, Kind kind, char in, char out, Function function) {
        OPS.put(key, new StreamOp(kind, in, out, function));
    }

    private static void terminal(String key, Kind kind, char in, Function function) {
        OPS.put(key, new StreamOp(kind, in, (char) 0, function));
    }

    /** The collectors {@link Kind#COLLECT} fuses, by {@code Collectors} method name, taking a {@code ToDoubleFunction}. */
    static final java.util.Set<String> COLLECTORS = java.util.Set.of("summingDouble", "averagingDouble");

    /** The operation a call performs, or null when it is none of these. */
    static StreamOp of(MethodInsnNode call) {
        return OPS.get(call.owner + "." + call.name + call.desc);
    }
}
