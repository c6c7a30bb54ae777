package org.grad4j.fuzz.gen;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.grad4j.fuzz.gen.Expr.Bin;
import org.grad4j.fuzz.gen.Expr.Call;
import org.grad4j.fuzz.gen.Expr.Cast;
import org.grad4j.fuzz.gen.Expr.Cmp;
import org.grad4j.fuzz.gen.Expr.Cond;
import org.grad4j.fuzz.gen.Expr.Copy;
import org.grad4j.fuzz.gen.Expr.Elem;
import org.grad4j.fuzz.gen.Expr.Fn;
import org.grad4j.fuzz.gen.Expr.Len;
import org.grad4j.fuzz.gen.Expr.Lit;
import org.grad4j.fuzz.gen.Expr.Logic;
import org.grad4j.fuzz.gen.Expr.Neg;
import org.grad4j.fuzz.gen.Expr.NewArray;
import org.grad4j.fuzz.gen.Expr.Not;
import org.grad4j.fuzz.gen.Expr.Ref;
import org.grad4j.fuzz.gen.Expr.Row;
import org.grad4j.fuzz.gen.Program.Method;
import org.grad4j.fuzz.gen.Program.Param;

/**
 * Random differentiable programs: an {@code @Differentiable} entry and a few helpers (scalar,
 * float, recursive on a decreasing int, array mutators, array producers), with arithmetic and
 * {@code Math} functions, nested loops carrying differentiable values, branches on ints and on
 * differentiable comparisons, early returns, break/continue, switches, ternaries, in-place array
 * updates, local arrays, {@code System.arraycopy}/{@code Arrays.fill}/{@code copyOf}/{@code clone},
 * float/int/long mixtures, and sometimes a small value class {@code V2} of two doubles (a record or
 * a final class) whose objects the entry makes, carries through loops and branches, combines and
 * reads back.
 *
 * <p>Invariants that keep every program well defined: ints are never negative (so
 * {@code i % a.length} is a valid index, every array has length ≥ 1), loops have small bounds,
 * loops on differentiable conditions have a counter cap, functions get arguments in their domain
 * ({@code log(1 + e·e)}, {@code pow(2 + sin e, p)}). Ties and kinks are caught at run time by the
 * oracle ({@link org.grad4j.fuzz.oracle.Degenerate}), not avoided here.
 *
 * <p>Deterministic: the same seed gives the same program.
 */
public final class Generator {

    /** Knobs; the defaults are what the fixed-seed run in {@code mvn verify} uses. */
    public record Config(double refusalRate, int maxHelpers, int entryStatements, java.util.Set<String> avoid) {
        /**
         * Features left out of the default run while grad4j has an open bug in them (each has a
         * minimal reproducer in TransformerBugsIT). {@code fuzz/run.sh --all} puts them back.
         */
        public static final java.util.Set<String> OPEN_BUGS = java.util.Set.of();

        public static Config defaults() {
            return new Config(0.06, 4, 12, OPEN_BUGS);
        }

        public Config withAvoid(java.util.Set<String> features) {
            return new Config(refusalRate, maxHelpers, entryStatements, features);
        }

        public Config withRefusalRate(double rate) {
            return new Config(rate, maxHelpers, entryStatements, avoid);
        }
    }

    private boolean allowed(String feature) {
        return !config.avoid().contains(feature);
    }

    private enum Kind { SCALAR, FLOAT, RECURSIVE, MUTATOR, PRODUCER, VARARGS }

    private record Helper(Kind kind, Method method) {
        String name() { return method.name(); }
    }

    /** A variable in scope. */
    private record Var(Ty ty, String name, boolean mutable, boolean writable) {
        Ref ref() { return new Ref(ty, name); }
    }

    private final Config config;
    private final Random r;
    private final List<Helper> helpers = new ArrayList<>();
    private final List<String[]> fields = new ArrayList<>();
    private final List<Program.Virtual> virtuals = new ArrayList<>();
    private boolean big; // a long entry: exercises splitting by size and many live values
    private boolean lambdaOnlyScalars;
    private Program.ValueClass values; // the program's V2, or null
    private boolean vectorsHere; // V2s may be made and used here: in the entry only, where they never leave it

    // per method
    private List<List<Var>> scopes;
    private int names;
    private int loopDepth;
    private boolean inSwitch; // the innermost construct a 'break' would leave is a switch
    private final List<String> labels = new ArrayList<>(); // labeled loops around the current statement
    private int budget;
    private Ty ret;
    private boolean scalarHelper; // array parameters are read-only: helpers called in expressions must be pure
    private List<Helper> callable;
    private boolean usesFloat;
    private String className;
    private boolean refusalPlaced;

    private Generator(Config config, long seed) {
        this.config = config;
        this.r = new Random(seed);
    }

    public static Program generate(String className, long seed) {
        return generate(className, seed, Config.defaults());
    }

    public static Program generate(String className, long seed, Config config) {
        return new Generator(config, seed).program(className, seed);
    }

    private Program program(String name, long seed) {
        this.className = name;
        // Drawn apart from r, which V2s use only in programs that have one: the programs of the
        // other seeds stay the programs those seeds made before V2 existed.
        Random side = new Random(seed ^ 0x5EC0_7A1E_D0C5L);
        if (side.nextDouble() < 0.1) values = side.nextBoolean() ? Program.ValueClass.RECORD : Program.ValueClass.FINAL_CLASS;
        usesFloat = r.nextDouble() < 0.25;
        refusalPlaced = r.nextDouble() >= config.refusalRate; // true: nothing to place
        big = r.nextDouble() < 0.04;
        int nHelpers = r.nextInt(config.maxHelpers + 1);
        for (int h = 0; h < nHelpers; h++) helpers.add(helper(h));
        List<Method> implementations = new ArrayList<>();
        if (r.nextDouble() < 0.25) virtual(implementations);
        boolean instance = r.nextDouble() < 0.15;
        boolean lambda = !instance && r.nextDouble() < 0.2;
        // captured arrays are constants: writes into them are refused (or, through a helper, lost)
        // and beside V2s whose methods need inlining, a store into one is refused (README bug 9)
        lambdaOnlyScalars = lambda && (!allowed("lambda-arrays") || values != null && !allowed("vectors-lambda-arrays")
                || r.nextDouble() < 0.7);
        if (instance) fields.add(new String[] {"final double scale = 0.8;", "final D scale = D.c(0.8);"});
        Method entry = entry(instance);
        List<Method> methods = new ArrayList<>();
        methods.add(entry);
        for (Helper h : helpers) methods.add(h.method());
        methods.addAll(implementations);
        Program.ArrayCheck arrays = null;
        List<Helper> producers = helpers.stream().filter(h -> h.kind() == Kind.PRODUCER).toList();
        if (!producers.isEmpty() && r.nextDouble() < 0.6) {
            double[] point = vector(1 + r.nextInt(4)), seedVector = vector(point.length);
            arrays = new Program.ArrayCheck(producers.get(r.nextInt(producers.size())).name(), point(), point, seedVector);
        }
        return new Program(name, seed, methods, fields, virtuals, arguments(entry), lambda, arrays, values);
    }

    /** An interface with two implementations, each a small scalar function of its own constant w. */
    private void virtual(List<Method> implementations) {
        String name = "Op1";
        boolean withInt = r.nextBoolean();
        List<Param> params = withInt ? List.of(new Param(Ty.DOUBLE, "z"), new Param(Ty.INT, "m"))
                : List.of(new Param(Ty.DOUBLE, "z"), new Param(Ty.DOUBLE, "u"));
        List<String> impls = List.of(name + "A", name + "B");
        List<String> weights = new ArrayList<>();
        for (String impl : impls) {
            weights.add(Double.toString(pickNum(0.5, 0.75, 1.25, -0.5, 2.0)));
            begin(Ty.DOUBLE, params, true, pure(helpers), 4);
            declare(new Var(Ty.DOUBLE, "w", false, false));
            List<Stmt> body = statements(r.nextInt(3));
            body.add(new Stmt.Return(new Bin('*', new Ref(Ty.DOUBLE, "w"), returnValue(Ty.DOUBLE))));
            implementations.add(new Method("ap", Ty.DOUBLE, params, body, false, impl, true));
        }
        virtuals.add(new Program.Virtual(name, "ap", Ty.DOUBLE, params, impls, weights));
    }

    // ---- methods ----

    private void begin(Ty ret, List<Param> params, boolean scalarHelper, List<Helper> callable, int budget) {
        this.scopes = new ArrayList<>();
        this.scopes.add(new ArrayList<>());
        this.names = 0;
        this.loopDepth = 0;
        this.inSwitch = false;
        this.labels.clear();
        this.ret = ret;
        this.scalarHelper = scalarHelper;
        this.callable = callable;
        this.budget = budget;
        for (Param p : params) {
            boolean writable = p.ty() == Ty.DARR || p.ty() == Ty.DARR2 ? !scalarHelper : true;
            declare(new Var(p.ty(), p.name(), p.ty() != Ty.INT && p.ty() != Ty.LONG, writable));
        }
    }

    private Method entry(boolean instance) {
        List<Param> params = new ArrayList<>();
        int nd = 1 + r.nextInt(3);
        for (int i = 0; i < nd; i++) params.add(new Param(Ty.DOUBLE, "x" + i));
        if (usesFloat && r.nextBoolean()) params.add(new Param(Ty.FLOAT, "y0"));
        if (!lambdaOnlyScalars) {
            if (r.nextDouble() < 0.6) params.add(new Param(Ty.DARR, "a0"));
            if (r.nextDouble() < 0.2) params.add(new Param(Ty.DARR, "a1"));
            if (r.nextDouble() < 0.15) params.add(new Param(Ty.DARR2, "g0"));
        }
        if (r.nextDouble() < 0.85) params.add(new Param(Ty.INT, "n"));
        if (r.nextDouble() < 0.1) params.add(new Param(Ty.LONG, "q"));
        shuffleTail(params, nd);
        Ty result = usesFloat && r.nextDouble() < 0.3 ? Ty.FLOAT : Ty.DOUBLE;
        int scale = big ? 8 : 1;
        begin(result, params, false, helpers, scale * (config.entryStatements() + r.nextInt(config.entryStatements())));
        if (instance) declare(new Var(Ty.DOUBLE, "scale", false, false));
        vectorsHere = values != null;
        List<Stmt> body = new ArrayList<>();
        if (vectorsHere) body.add(declareVector()); // one from the start: the program uses its V2
        body.addAll(statements(scale * (config.entryStatements() / 2 + r.nextInt(config.entryStatements()))));
        if (!refusalPlaced) {
            // beside V2s whose methods need inlining, another planted construct is refused as a V2 (README bug 10)
            if (vectorsHere && (!allowed("vectors-planted") || r.nextDouble() < 0.4)) body.add(0, escapingVector(params));
            else body.add(r.nextInt(body.size() + 1), refusedConstruct(params));
        }
        List<Stmt> returnedSum = result == Ty.DOUBLE && r.nextDouble() < 0.25 ? returnedSum() : null;
        if (returnedSum != null) body.addAll(returnedSum);
        else body.add(new Stmt.Return(returnValue(result)));
        vectorsHere = false;
        return new Method("f", result, params, body, true, null, instance);
    }

    /**
     * The end of a loss: a sum over an array, returned as it is ({@code for (i) acc += e; return
     * acc;}), whose value {@code AD.gradient} does not want (grad4j may skip what only forms it);
     * null when no array is in scope.
     */
    private List<Stmt> returnedSum() {
        Var a = any(Ty.DARR, v -> true);
        if (a == null) return null;
        Expr start = doubleExpr(1); // before the sum is declared: its start may not read it
        Var acc = declare(new Var(Ty.DOUBLE, fresh("acc"), true, true));
        List<Stmt> out = new ArrayList<>();
        out.add(new Stmt.Decl(Ty.DOUBLE, acc.name(), start));
        String i = fresh("i");
        List<Stmt> loop = new ArrayList<>();
        loopDepth++;
        declareIn(loop, () -> {
            declare(new Var(Ty.INT, i, false, false));
            if (r.nextDouble() < 0.15) loop.add(jumpIn()); // a continue skips the update
            if (r.nextDouble() < 0.3) loop.addAll(statements(1));
            Expr elem = new Elem(a.ref(), new Ref(Ty.INT, i));
            loop.add(new Stmt.Assign(Ty.DOUBLE, acc.name(), pick("+=", "+=", "-="), doubleExpr(2, elem)));
            if (r.nextDouble() < 0.1) loop.add(jumpIn());
        });
        loopDepth--;
        out.add(new Stmt.For(i, false, new Len(a.ref()), loop));
        Expr result = switch (r.nextInt(4)) { // as it is, a mean, shifted by a parameter, or scaled by one (which needs the sum)
            case 0 -> new Bin('/', acc.ref(), lit((double) pick(2.0, 3.0, 10.0)));
            case 1 -> new Bin('+', new Bin('*', lit(0.5), acc.ref()), new Ref(Ty.DOUBLE, "x0"));
            case 2 -> new Bin('*', acc.ref(), new Ref(Ty.DOUBLE, "x0"));
            default -> acc.ref();
        };
        out.add(new Stmt.Return(result));
        return out;
    }

    private void shuffleTail(List<Param> params, int from) {
        for (int i = params.size() - 1; i > from; i--) {
            int j = from + r.nextInt(i - from + 1);
            Param t = params.get(i);
            params.set(i, params.get(j));
            params.set(j, t);
        }
    }

    private Helper helper(int index) {
        List<Helper> lower = new ArrayList<>(helpers);
        double p = r.nextDouble();
        Kind kind = p < 0.35 ? Kind.SCALAR : p < 0.5 ? Kind.RECURSIVE : p < 0.66 ? Kind.MUTATOR
                : p < 0.8 ? Kind.PRODUCER : p < 0.9 ? Kind.VARARGS : usesFloat ? Kind.FLOAT : Kind.SCALAR;
        String name = switch (kind) {
            case SCALAR -> "h";
            case FLOAT -> "hf";
            case RECURSIVE -> "rec";
            case MUTATOR -> "upd";
            case PRODUCER -> "mk";
            case VARARGS -> "sum";
        } + (index + 1);
        return switch (kind) {
            case SCALAR -> scalarHelper(name, lower);
            case FLOAT -> floatHelper(name, lower);
            case RECURSIVE -> recursiveHelper(name, lower);
            case MUTATOR -> mutator(name, lower);
            case PRODUCER -> producer(name, lower);
            case VARARGS -> varargs(name, lower);
        };
    }

    /** {@code static double sum(double s, double... more)}: called with spread arguments or with an array. */
    private Helper varargs(String name, List<Helper> lower) {
        List<Param> params = List.of(new Param(Ty.DOUBLE, "s"), new Param(Ty.DARR, "more"));
        begin(Ty.DOUBLE, params, true, pure(lower), 4);
        List<Stmt> body = new ArrayList<>();
        Var t = declare(new Var(Ty.DOUBLE, fresh("v"), true, true));
        body.add(new Stmt.Decl(Ty.DOUBLE, t.name(), new Ref(Ty.DOUBLE, "s")));
        String i = fresh("i");
        List<Stmt> loop = new ArrayList<>();
        declareIn(loop, () -> {
            declare(new Var(Ty.INT, i, false, false));
            loop.add(new Stmt.Assign(Ty.DOUBLE, t.name(), "+=", doubleExpr(2, new Elem(new Ref(Ty.DARR, "more"), new Ref(Ty.INT, i)))));
        });
        body.add(new Stmt.For(i, false, new Len(new Ref(Ty.DARR, "more")), loop));
        body.addAll(statements(r.nextInt(3)));
        body.add(new Stmt.Return(returnValue(Ty.DOUBLE)));
        return new Helper(Kind.VARARGS, new Method(name, Ty.DOUBLE, params, body, false, null, false));
    }

    private Helper scalarHelper(String name, List<Helper> lower) {
        List<Param> params = new ArrayList<>();
        int nd = 1 + r.nextInt(3);
        for (int i = 0; i < nd; i++) params.add(new Param(Ty.DOUBLE, "p" + i));
        if (r.nextDouble() < 0.4) params.add(new Param(Ty.INT, "m"));
        if (r.nextDouble() < 0.3) params.add(new Param(Ty.DARR, "b"));
        begin(Ty.DOUBLE, params, true, pure(lower), 6);
        List<Stmt> body = statements(1 + r.nextInt(4));
        body.add(new Stmt.Return(returnValue(Ty.DOUBLE)));
        return new Helper(Kind.SCALAR, new Method(name, Ty.DOUBLE, params, body, false, null, false));
    }

    private Helper floatHelper(String name, List<Helper> lower) {
        List<Param> params = List.of(new Param(Ty.FLOAT, "u"), new Param(Ty.DOUBLE, "p0"));
        begin(Ty.FLOAT, params, true, pure(lower), 4);
        List<Stmt> body = statements(1 + r.nextInt(3));
        body.add(new Stmt.Return(floatExpr(2)));
        return new Helper(Kind.FLOAT, new Method(name, Ty.FLOAT, params, body, false, null, false));
    }

    /** {@code if (k <= 0) return base; ...; return g(p, rec(h(p), k - 1)[, rec(..., k - 1)]);} */
    private Helper recursiveHelper(String name, List<Helper> lower) {
        boolean two = r.nextBoolean();
        List<Param> params = new ArrayList<>();
        params.add(new Param(Ty.DOUBLE, "p0"));
        if (two) params.add(new Param(Ty.DOUBLE, "p1"));
        params.add(new Param(Ty.INT, "k"));
        List<Ty> types = params.stream().map(Param::ty).toList();
        begin(Ty.DOUBLE, params, true, pure(lower), 4);
        List<Stmt> body = new ArrayList<>();
        body.add(new Stmt.If(new Cmp("<=", new Ref(Ty.INT, "k"), lit(0)), List.of(new Stmt.Return(doubleExpr(2))), List.of()));
        body.addAll(statements(r.nextInt(3)));
        Expr km1 = new Bin('-', new Ref(Ty.INT, "k"), lit(1));
        Supplier<Expr> call = () -> {
            List<Expr> args = new ArrayList<>();
            args.add(squash(doubleExpr(1)));
            if (two) args.add(doubleExpr(1));
            args.add(km1);
            return new Call(name, Ty.DOUBLE, types, args);
        };
        Expr result = new Bin(pickOp('+', '*', '-'), doubleExpr(1), call.get());
        if (r.nextDouble() < 0.3) result = new Bin('+', result, new Bin('*', lit(0.5), call.get()));
        body.add(new Stmt.Return(result));
        return new Helper(Kind.RECURSIVE, new Method(name, Ty.DOUBLE, params, body, false, null, false));
    }

    /** {@code static void upd(double[] a, double s, int m)}: in-place updates of its array. */
    private Helper mutator(String name, List<Helper> lower) {
        List<Param> params = r.nextDouble() < 0.4
                ? List.of(new Param(Ty.DARR, "b"), new Param(Ty.DOUBLE, "s"), new Param(Ty.INT, "m"), new Param(Ty.DARR, "c"))
                : List.of(new Param(Ty.DARR, "b"), new Param(Ty.DOUBLE, "s"), new Param(Ty.INT, "m"));
        begin(Ty.VOID, params, false, pure(lower), 5);
        List<Stmt> body = new ArrayList<>();
        body.add(reductionOrUpdateLoop(new Var(Ty.DARR, "b", true, true)));
        body.addAll(statements(r.nextInt(3)));
        return new Helper(Kind.MUTATOR, new Method(name, Ty.VOID, params, body, false, null, false));
    }

    /** {@code static double[] mk(double[] a, double s)}: a new array from its argument, or the argument itself, updated. */
    private Helper producer(String name, List<Helper> lower) {
        List<Param> params = List.of(new Param(Ty.DARR, "b"), new Param(Ty.DOUBLE, "s"));
        begin(Ty.DARR, params, false, pure(lower), 5);
        List<Stmt> body = new ArrayList<>();
        Var b = lookup("b");
        if (r.nextDouble() < 0.25) {
            body.add(store(b));
            body.add(new Stmt.Return(b.ref()));
        } else {
            String t = fresh("t");
            Expr init = r.nextBoolean() ? new NewArray(new Len(b.ref()), null) : new Copy(b.ref(), null);
            body.add(new Stmt.Decl(Ty.DARR, t, init));
            Var tv = declare(new Var(Ty.DARR, t, true, true));
            String i = fresh("i");
            List<Stmt> loop = new ArrayList<>();
            declareIn(loop, () -> {
                declare(new Var(Ty.INT, i, false, false));
                loop.add(new Stmt.Store(tv.ref(), new Ref(Ty.INT, i), pick("=", "+=", "*="),
                        doubleExpr(2, new Elem(b.ref(), new Ref(Ty.INT, i)))));
            });
            body.add(new Stmt.For(i, false, new Len(b.ref()), loop));
            body.addAll(statements(r.nextInt(2)));
            body.add(new Stmt.Return(tv.ref()));
        }
        return new Helper(Kind.PRODUCER, new Method(name, Ty.DARR, params, body, false, null, false));
    }

    private static List<Helper> pure(List<Helper> hs) {
        return hs.stream().filter(h -> h.kind() != Kind.MUTATOR && h.kind() != Kind.PRODUCER).toList();
    }

    // ---- statements ----

    private List<Stmt> statements(int n) {
        List<Stmt> out = new ArrayList<>();
        for (int i = 0; i < n && budget > 0; i++) {
            budget--;
            out.add(statement());
        }
        return out;
    }

    /** Statements in a nested scope: variables declared by {@code body} vanish afterwards. */
    /**
     * A loop's body, one level deeper and outside any switch (a {@code break} in it ends the loop),
     * its counter declared in its scope; {@code fill} adds the statements.
     */
    private List<Stmt> loopBody(Ty counterType, String counter, java.util.function.Consumer<List<Stmt>> fill) {
        List<Stmt> body = new ArrayList<>();
        loopDepth++;
        boolean savedSwitch = inSwitch;
        inSwitch = false;
        declareIn(body, () -> {
            declare(new Var(counterType, counter, false, false));
            fill.accept(body);
        });
        loopDepth--;
        inSwitch = savedSwitch;
        return body;
    }

    private void declareIn(List<Stmt> sink, Runnable body) {
        scopes.add(new ArrayList<>());
        try {
            body.run();
        } finally {
            scopes.remove(scopes.size() - 1);
        }
    }

    private List<Stmt> block(int n) {
        List<Stmt> out = new ArrayList<>();
        declareIn(out, () -> out.addAll(statements(n)));
        if (out.isEmpty()) {
            Var v = any(Ty.DOUBLE, Var::mutable);
            if (v != null) out.add(new Stmt.Assign(Ty.DOUBLE, v.name(), "+=", doubleExpr(1)));
        }
        return out;
    }

    private Stmt statement() {
        if (vectorsHere && r.nextDouble() < 0.2) {
            Stmt s = vectorStatement();
            if (s != null) return s;
        }
        for (int attempt = 0; ; attempt++) {
            Stmt s = tryStatement(r.nextInt(100));
            if (s != null) return s;
            if (attempt > 20) return declareDouble();
        }
    }

    /** One statement of a kind chosen by {@code roll}; null when that kind does not fit here. */
    private Stmt tryStatement(int roll) {
        if (roll < 14) return declareDouble();
        if (roll < 28) return assignDouble();
        if (roll < 32) return usesFloat ? floatStatement() : null;
        if (roll < 36) return intStatement();
        if (roll < 44) {
            Var a = any(Ty.DARR, Var::writable);
            return a == null ? null : store(a);
        }
        if (roll < 47) return store2d();
        if (roll < 54) return branch();
        if (roll < 62) return loop();
        if (roll < 66) return reductionLoop();
        if (roll < 69) return whileLoop();
        if (roll < 72) return switchStatement();
        if (roll < 78) return jump();
        if (roll < 81) return earlyReturn();
        if (roll < 85) return mutatorCall();
        if (roll < 92) return declareArray();
        if (roll < 94) return arrayCopy();
        if (roll < 95) return fill();
        if (roll < 96) return declareLong();
        if (roll < 97) return discardedCall();
        if (roll < 98) {
            int kind = r.nextInt(5);
            return kind == 0 ? throwOnlyPath() : kind == 1 ? streamStatement() : kind == 2 ? lambdaStatement()
                    : kind == 3 ? sortStatement() : objectStatement();
        }
        if (roll < 99) return rowStatement();
        return longLoop();
    }

    /**
     * A stream pipeline over an array, in a statement: grad4j runs it as the loop it stands for
     * (StreamFusion), its lambdas capturing the array and a scalar; the twin writes the loop.
     */
    private Stmt streamStatement() {
        if (!allowed("streams")) return null;
        Var s = any(Ty.DOUBLE, Var::mutable);
        Var a = any(Ty.DARR, x -> true);
        Var c = any(Ty.DOUBLE, x -> true);
        if (s == null || a == null || c == null) return null;
        String arr = fresh("sa"), cap = fresh("sc"), t = fresh("st"), v = fresh("v"), i = fresh("i");
        String plainHead = "final double[] " + arr + " = " + a.name() + ";\nfinal double " + cap + " = " + c.name() + ";\n";
        String dualHead = "final D[] " + arr + " = " + a.name() + ";\nfinal D " + cap + " = " + c.name() + ";\n";
        String pipeline, loop;
        switch (r.nextInt(5)) {
            case 0 -> {
                pipeline = "java.util.Arrays.stream(" + arr + ").map(" + v + " -> " + v + " * " + cap + " + Math.sin(" + v + ")).sum()";
                String terms = fresh("terms");
                loop = "java.util.List<D> " + terms + " = new java.util.ArrayList<>();\nfor (D " + v + " : " + arr + ") " + terms
                        + ".add(D.add(D.mul(" + v + ", " + cap + "), D.sin(" + v + ")));\nD " + t + " = D.streamSum(" + terms + ");\n";
            }
            case 1 -> {
                pipeline = "java.util.stream.IntStream.range(0, " + arr + ".length).mapToDouble(" + i + " -> " + arr + "[" + i + "] * "
                        + arr + "[(" + i + " + 1) % " + arr + ".length]).sum()";
                String terms = fresh("terms");
                loop = "java.util.List<D> " + terms + " = new java.util.ArrayList<>();\nfor (int " + i + " = 0; " + i + " < " + arr
                        + ".length; " + i + "++) " + terms + ".add(D.mul(" + arr + "[" + i + "], " + arr + "[(" + i + " + 1) % " + arr
                        + ".length]));\nD " + t + " = D.streamSum(" + terms + ");\n";
            }
            case 2 -> {
                pipeline = "java.util.Arrays.stream(" + arr + ").max().orElse(" + cap + ")";
                loop = "D " + t + " = null;\nfor (D " + v + " : " + arr + ") " + t + " = " + t + " == null ? " + v + " : D.max(" + t
                        + ", " + v + ");\nif (" + t + " == null) " + t + " = " + cap + ";\n";
            }
            case 3 -> {
                String terms = fresh("terms");
                pipeline = "java.util.Arrays.stream(" + arr + ").map(" + v + " -> " + v + " * " + v + ").average().orElse(0.5)";
                loop = "java.util.List<D> " + terms + " = new java.util.ArrayList<>();\nfor (D " + v + " : " + arr + ") " + terms
                        + ".add(D.mul(" + v + ", " + v + "));\nD " + t + " = D.streamAverage(" + terms + ", D.c(0.5));\n";
            }
            default -> {
                String p = fresh("p"), q = fresh("q");
                pipeline = "java.util.Arrays.stream(" + arr + ").filter(" + v + " -> " + v + " > 0).reduce(" + cap + ", (" + p + ", " + q
                        + ") -> " + p + " * 0.5 + " + q + ")";
                loop = "D " + t + " = " + cap + ";\nfor (D " + v + " : " + arr + ") if (" + v + ".v > 0) " + t + " = D.add(D.mul(" + t
                        + ", D.c(0.5)), " + v + ");\n";
            }
        }
        String[] assign = assignedInto(s, t);
        return new Stmt.Raw(plainHead + s.name() + " " + assign[0] + " " + pipeline + ";", dualHead + loop + assign[1], null);
    }

    /**
     * Lambdas made and called in the method, capturing a differentiable scalar and array
     * (LambdaObjects turns their calls into calls of their bodies): called twice, called in a
     * loop, made in a loop, chosen between two, composed by hand. The twin writes the same lambdas
     * over dual numbers.
     */
    private Stmt lambdaStatement() {
        if (!allowed("lambdas")) return null;
        Var s = any(Ty.DOUBLE, Var::mutable);
        Var a = any(Ty.DARR, x -> true);
        Var c = any(Ty.DOUBLE, x -> true);
        if (s == null || a == null || c == null) return null;
        String arr = fresh("la"), cap = fresh("lc"), f = fresh("lf"), g = fresh("lg"), t = fresh("lt"), u = fresh("u"),
                w = fresh("w"), i = fresh("i"), v = fresh("v");
        String fn = "java.util.function.";
        String plain = "final double[] " + arr + " = " + a.name() + ";\nfinal double " + cap + " = " + c.name() + ";\n";
        String dual = "final D[] " + arr + " = " + a.name() + ";\nfinal D " + cap + " = " + c.name() + ";\n";
        switch (r.nextInt(5)) {
            case 0 -> { // called twice
                plain += fn + "DoubleUnaryOperator " + f + " = " + u + " -> " + u + " * " + cap + " + Math.sin(" + u + ");\n"
                        + "double " + t + " = " + f + ".applyAsDouble(" + cap + " * 0.5) + " + f + ".applyAsDouble(1.5);\n";
                dual += fn + "UnaryOperator<D> " + f + " = " + u + " -> D.add(D.mul(" + u + ", " + cap + "), D.sin(" + u + "));\n"
                        + "D " + t + " = D.add(" + f + ".apply(D.mul(" + cap + ", D.c(0.5))), " + f + ".apply(D.c(1.5)));\n";
            }
            case 1 -> { // called in a loop, carrying a value
                plain += fn + "DoubleBinaryOperator " + f + " = (" + u + ", " + w + ") -> " + u + " * " + cap + " + " + w + " * " + w
                        + ";\ndouble " + t + " = " + cap + ";\nfor (int " + i + " = 0; " + i + " < " + arr + ".length && " + i
                        + " < 3; " + i + "++) " + t + " = " + f + ".applyAsDouble(" + t + " * 0.5, " + arr + "[" + i + "]);\n";
                dual += fn + "BinaryOperator<D> " + f + " = (" + u + ", " + w + ") -> D.add(D.mul(" + u + ", " + cap + "), D.mul("
                        + w + ", " + w + "));\nD " + t + " = " + cap + ";\nfor (int " + i + " = 0; " + i + " < " + arr
                        + ".length && " + i + " < 3; " + i + "++) " + t + " = " + f + ".apply(D.mul(" + t + ", D.c(0.5)), " + arr
                        + "[" + i + "]);\n";
            }
            case 2 -> { // made in a loop, each capturing its element
                plain += "double " + t + " = 0;\nfor (double " + v + " : " + arr + ") {\n" + fn + "DoubleUnaryOperator " + f + " = "
                        + u + " -> Math.cos(" + u + " * " + v + ");\n" + t + " += " + f + ".applyAsDouble(" + cap + ");\n}\n";
                dual += "D " + t + " = D.c(0);\nfor (D " + v + " : " + arr + ") {\n" + fn + "UnaryOperator<D> " + f + " = " + u
                        + " -> D.cos(D.mul(" + u + ", " + v + "));\n" + t + " = D.add(" + t + ", " + f + ".apply(" + cap + "));\n}\n";
            }
            case 4 -> { // chosen between two sites by a differentiable comparison, called in a loop
                plain += fn + "DoubleUnaryOperator " + f + " = " + cap + " > 0 ? " + u + " -> " + u + " * " + cap + " : " + u
                        + " -> Math.sin(" + u + " + " + cap + ");\ndouble " + t + " = 0;\nfor (double " + v + " : " + arr + ") " + t
                        + " += " + f + ".applyAsDouble(" + v + ");\n";
                dual += fn + "UnaryOperator<D> " + f + " = " + cap + ".v > 0 ? " + u + " -> D.mul(" + u + ", " + cap + ") : " + u
                        + " -> D.sin(D.add(" + u + ", " + cap + "));\nD " + t + " = D.c(0);\nfor (D " + v + " : " + arr + ") " + t
                        + " = D.add(" + t + ", " + f + ".apply(" + v + "));\n";
            }
            default -> { // composed by hand: the inner lambda captured by the outer
                plain += fn + "DoubleUnaryOperator " + f + " = " + u + " -> " + u + " * " + cap + ";\n" + fn + "DoubleUnaryOperator "
                        + g + " = " + w + " -> " + f + ".applyAsDouble(" + w + ") + Math.cos(" + w + ");\ndouble " + t + " = " + g
                        + ".applyAsDouble(" + cap + " + 0.25);\n";
                dual += fn + "UnaryOperator<D> " + f + " = " + u + " -> D.mul(" + u + ", " + cap + ");\n" + fn + "UnaryOperator<D> "
                        + g + " = " + w + " -> D.add(" + f + ".apply(" + w + "), D.cos(" + w + "));\nD " + t + " = " + g
                        + ".apply(D.add(" + cap + ", D.c(0.25)));\n";
            }
        }
        String[] assign = assignedInto(s, t);
        return new Stmt.Raw(plain + s.name() + " " + assign[0] + " " + t + ";", dual + assign[1], null);
    }

    /**
     * {@code Arrays.sort} of a copy, of a range, or of a differentiable array in place (SortLoops
     * reads it as a gather); the twin sorts its dual numbers by value, stably, as grad4j orders ties.
     */
    private Stmt sortStatement() {
        if (!allowed("sorts")) return null;
        Var s = any(Ty.DOUBLE, Var::mutable);
        Var a = any(Ty.DARR, x -> true);
        Var c = any(Ty.DOUBLE, x -> true);
        if (s == null || a == null || c == null) return null;
        String sorted = fresh("so"), t = fresh("sv"), i = fresh("i");
        String d = fresh("d");
        String byValue = "java.util.Comparator.comparingDouble((D " + d + ") -> " + d + ".v)";
        String plain, dual;
        switch (r.nextInt(3)) {
            case 0 -> { // the middle of a sorted copy
                plain = "double[] " + sorted + " = " + a.name() + ".clone();\njava.util.Arrays.sort(" + sorted + ");\ndouble " + t
                        + " = " + sorted + "[" + sorted + ".length / 2] * " + c.name() + ";\n";
                dual = "D[] " + sorted + " = " + a.name() + ".clone();\njava.util.Arrays.sort(" + sorted + ", " + byValue + ");\nD " + t
                        + " = D.mul(" + sorted + "[" + sorted + ".length / 2], " + c.name() + ");\n";
            }
            case 1 -> { // a range of a longer copy, weighted by rank
                plain = "double[] " + sorted + " = java.util.Arrays.copyOf(" + a.name() + ", " + a.name() + ".length + 1);\n" + sorted
                        + "[" + a.name() + ".length] = " + c.name() + ";\njava.util.Arrays.sort(" + sorted + ", 1, " + sorted
                        + ".length);\ndouble " + t + " = 0;\nfor (int " + i + " = 0; " + i + " < " + sorted + ".length; " + i + "++) "
                        + t + " += (" + i + " + 1) * " + sorted + "[" + i + "];\n";
                dual = "D[] " + sorted + " = java.util.Arrays.copyOf(" + a.name() + ", " + a.name() + ".length + 1);\n" + sorted
                        + "[" + a.name() + ".length] = " + c.name() + ";\njava.util.Arrays.sort(" + sorted + ", 1, " + sorted + ".length, "
                        + byValue + ");\nD " + t + " = D.c(0);\nfor (int " + i + " = 0; " + i + " < " + sorted + ".length; " + i + "++) "
                        + t + " = D.add(" + t + ", D.mul(D.c(" + i + " + 1), " + sorted + "[" + i + "]));\n";
            }
            default -> { // a differentiable array sorted in place
                Var w = any(Ty.DARR, Var::writable);
                if (w == null) return null;
                plain = "java.util.Arrays.sort(" + w.name() + ");\ndouble " + t + " = " + w.name() + "[0] - " + w.name() + "["
                        + w.name() + ".length - 1];\n";
                dual = "java.util.Arrays.sort(" + w.name() + ", " + byValue + ");\nD " + t + " = D.sub(" + w.name() + "[0], "
                        + w.name() + "[" + w.name() + ".length - 1]);\n";
            }
        }
        String[] assign = assignedInto(s, t);
        return new Stmt.Raw(plain + s.name() + " " + assign[0] + " " + t + ";", dual + assign[1], null);
    }

    /**
     * An object whose fields change, of a local class declared here (MutableObjects): an
     * accumulator over an array, an anonymous one, a particle stepped in a loop, a subclass made
     * afresh in each iteration, an object holding another under a second name, an array of
     * particles, bodies pulling each other in pairs (skipping themselves by identity) and the
     * largest held across a loop, a list of particles. The twin's class has the same members over
     * dual numbers, each computing in the same order.
     */
    private Stmt objectStatement() {
        if (!allowed("objects")) return null;
        Var s = any(Ty.DOUBLE, Var::mutable);
        Var a = any(Ty.DARR, x -> true);
        Var c = any(Ty.DOUBLE, x -> true);
        if (s == null || a == null || c == null) return null;
        String arr = fresh("oa"), cap = fresh("oc"), t = fresh("ot"), o = fresh("o"), v = fresh("v"), i = fresh("i");
        String k = fresh("Obj"), k2 = fresh("Obj");
        String plain = "final double[] " + arr + " = " + a.name() + ";\nfinal double " + cap + " = " + c.name() + ";\n";
        String dual = "final D[] " + arr + " = " + a.name() + ";\nfinal D " + cap + " = " + c.name() + ";\n";
        switch (r.nextInt(8)) {
            case 0 -> { // Welford's accumulator
                plain += "final class " + k + " {\nlong n;\ndouble mean, m2;\nvoid add(double x) {\nn++;\ndouble d = x - mean;\n"
                        + "mean += d / n;\nm2 += d * (x - mean);\n}\n}\n" + k + " " + o + " = new " + k + "();\nfor (double " + v
                        + " : " + arr + ") " + o + ".add(" + v + ");\n" + o + ".add(" + cap + ");\ndouble " + t + " = " + o
                        + ".m2 * 0.5 + " + o + ".mean;\n";
                dual += "final class " + k + " {\nlong n;\nD mean = D.c(0), m2 = D.c(0);\nvoid add(D x) {\nn++;\nD d = D.sub(x, mean);\n"
                        + "mean = D.add(mean, D.div(d, D.c(n)));\nm2 = D.add(m2, D.mul(d, D.sub(x, mean)));\n}\n}\n" + k + " " + o
                        + " = new " + k + "();\nfor (D " + v + " : " + arr + ") " + o + ".add(" + v + ");\n" + o + ".add(" + cap
                        + ");\nD " + t + " = D.add(D.mul(" + o + ".m2, D.c(0.5)), " + o + ".mean);\n";
            }
            case 1 -> { // anonymous, its field starting from a captured value
                plain += "var " + o + " = new Object() {\ndouble s = " + cap + ";\nvoid add(double x) { s = s * 0.5 + x * x; }\n};\n"
                        + "for (double " + v + " : " + arr + ") " + o + ".add(" + v + ");\ndouble " + t + " = " + o + ".s;\n";
                dual += "var " + o + " = new Object() {\nD s = " + cap + ";\nvoid add(D x) { s = D.add(D.mul(s, D.c(0.5)), D.mul(x, x)); }"
                        + "\n};\nfor (D " + v + " : " + arr + ") " + o + ".add(" + v + ");\nD " + t + " = " + o + ".s;\n";
            }
            case 2 -> { // a particle, not final, stepped in a loop
                plain += "class " + k + " {\ndouble x, u;\n" + k + "(double x0) { x = x0; }\nvoid step(double q) {\nu -= q * x * 0.1;\n"
                        + "x += u * 0.1;\n}\n}\n" + k + " " + o + " = new " + k + "(" + cap + ");\nfor (int " + i + " = 0; " + i
                        + " < " + arr + ".length && " + i + " < 4; " + i + "++) " + o + ".step(" + arr + "[" + i + "] * " + arr + "["
                        + i + "] + 0.5);\ndouble " + t + " = " + o + ".x + " + o + ".u;\n";
                dual += "class " + k + " {\nD x, u = D.c(0);\n" + k + "(D x0) { x = x0; }\nvoid step(D q) {\n"
                        + "u = D.sub(u, D.mul(D.mul(q, x), D.c(0.1)));\nx = D.add(x, D.mul(u, D.c(0.1)));\n}\n}\n" + k + " " + o
                        + " = new " + k + "(" + cap + ");\nfor (int " + i + " = 0; " + i + " < " + arr + ".length && " + i + " < 4; "
                        + i + "++) " + o + ".step(D.add(D.mul(" + arr + "[" + i + "], " + arr + "[" + i + "]), D.c(0.5)));\nD " + t
                        + " = D.add(" + o + ".x, " + o + ".u);\n";
            }
            case 3 -> { // a subclass calling its superclass, made afresh in each iteration
                plain += "class " + k + " {\ndouble total;\nvoid add(double x) { total += x; }\n}\nclass " + k2 + " extends " + k
                        + " {\nfinal double w;\n" + k2 + "(double w) { this.w = w; }\n@Override\nvoid add(double x) { super.add(w * x); }"
                        + "\n}\ndouble " + t + " = 0;\nfor (double " + v + " : " + arr + ") {\n" + k + " " + o + " = new " + k2 + "("
                        + v + ");\n" + o + ".add(" + cap + ");\n" + o + ".add(1.5);\n" + t + " += " + o + ".total;\n}\n";
                dual += "class " + k + " {\nD total = D.c(0);\nvoid add(D x) { total = D.add(total, x); }\n}\nclass " + k2
                        + " extends " + k + " {\nfinal D w;\n" + k2 + "(D w) { this.w = w; }\n@Override\nvoid add(D x) { "
                        + "super.add(D.mul(w, x)); }\n}\nD " + t + " = D.c(0);\nfor (D " + v + " : " + arr + ") {\n" + k + " " + o
                        + " = new " + k2 + "(" + v + ");\n" + o + ".add(" + cap + ");\n" + o + ".add(D.c(1.5));\n" + t + " = D.add("
                        + t + ", " + o + ".total);\n}\n";
            }
            case 5 -> { // an array of particles, not final, each stepped
                String ps = fresh("ps"), p = fresh("p"), j = fresh("j");
                plain += "class " + k + " {\ndouble x, u;\n" + k + "(double x0, double u0) { x = x0; u = u0; }\nvoid step(double q) {"
                        + "\nu -= q * x * 0.1;\nx += u * 0.1;\n}\n}\n" + k + "[] " + ps + " = new " + k + "[Math.min(" + arr
                        + ".length, 3)];\nfor (int " + i + " = 0; " + i + " < " + ps + ".length; " + i + "++) " + ps + "[" + i
                        + "] = new " + k + "(" + arr + "[" + i + "], " + cap + ");\nfor (int " + j + " = 0; " + j + " < 3; " + j
                        + "++) {\nfor (" + k + " " + p + " : " + ps + ") " + p + ".step(" + cap + " * " + cap + " + 0.5);\n}\n"
                        + "double " + t + " = 0;\nfor (" + k + " " + p + " : " + ps + ") " + t + " += " + p + ".x * " + p + ".u;\n";
                dual += "class " + k + " {\nD x, u;\n" + k + "(D x0, D u0) { x = x0; u = u0; }\nvoid step(D q) {\n"
                        + "u = D.sub(u, D.mul(D.mul(q, x), D.c(0.1)));\nx = D.add(x, D.mul(u, D.c(0.1)));\n}\n}\n" + k + "[] " + ps
                        + " = new " + k + "[Math.min(" + arr + ".length, 3)];\nfor (int " + i + " = 0; " + i + " < " + ps
                        + ".length; " + i + "++) " + ps + "[" + i + "] = new " + k + "(" + arr + "[" + i + "], " + cap + ");\n"
                        + "for (int " + j + " = 0; " + j + " < 3; " + j + "++) {\nfor (" + k + " " + p + " : " + ps + ") " + p
                        + ".step(D.add(D.mul(" + cap + ", " + cap + "), D.c(0.5)));\n}\nD " + t + " = D.c(0);\nfor (" + k + " "
                        + p + " : " + ps + ") " + t + " = D.add(" + t + ", D.mul(" + p + ".x, " + p + ".u));\n";
            }
            case 6 -> { // bodies pulling each other, skipping themselves by identity; the largest held across a loop
                String bs = fresh("bs"), a1 = fresh("a"), b1 = fresh("b"), best = fresh("best");
                plain += "class " + k + " {\ndouble x, w;\n" + k + "(double x) { this.x = x; }\n}\n" + k + "[] " + bs + " = new "
                        + k + "[" + arr + ".length];\nfor (int " + i + " = 0; " + i + " < " + bs + ".length; " + i + "++) " + bs
                        + "[" + i + "] = new " + k + "(" + arr + "[" + i + "]);\nfor (" + k + " " + a1 + " : " + bs + ") {\nfor ("
                        + k + " " + b1 + " : " + bs + ") {\nif (" + a1 + " != " + b1 + ") " + a1 + ".w += (" + b1 + ".x - " + a1
                        + ".x) * " + cap + ";\n}\n}\ndouble " + t + " = " + cap + ";\nif (" + bs + ".length > 0) {\n" + k + " "
                        + best + " = " + bs + "[0];\nfor (" + k + " " + b1 + " : " + bs + ") {\nif (" + b1 + ".w > " + best
                        + ".w) " + best + " = " + b1 + ";\n}\n" + t + " = " + best + ".x * " + best + ".w;\n}\n";
                dual += "class " + k + " {\nD x, w = D.c(0);\n" + k + "(D x) { this.x = x; }\n}\n" + k + "[] " + bs + " = new "
                        + k + "[" + arr + ".length];\nfor (int " + i + " = 0; " + i + " < " + bs + ".length; " + i + "++) " + bs
                        + "[" + i + "] = new " + k + "(" + arr + "[" + i + "]);\nfor (" + k + " " + a1 + " : " + bs + ") {\nfor ("
                        + k + " " + b1 + " : " + bs + ") {\nif (" + a1 + " != " + b1 + ") " + a1 + ".w = D.add(" + a1 + ".w, D.mul("
                        + "D.sub(" + b1 + ".x, " + a1 + ".x), " + cap + "));\n}\n}\nD " + t + " = " + cap + ";\nif (" + bs
                        + ".length > 0) {\n" + k + " " + best + " = " + bs + "[0];\nfor (" + k + " " + b1 + " : " + bs + ") {\n"
                        + "if (" + b1 + ".w.v > " + best + ".w.v) " + best + " = " + b1 + ";\n}\n" + t + " = D.mul(" + best + ".x, "
                        + best + ".w);\n}\n";
            }
            case 7 -> { // a list of particles: added in a loop, stepped by index and in a for-each loop, one replaced
                String ps = fresh("pl"), p = fresh("p"), j = fresh("j");
                plain += "class " + k + " {\ndouble x, u;\n" + k + "(double x0) { x = x0; }\n}\njava.util.List<" + k + "> " + ps
                        + " = new java.util.ArrayList<>();\nfor (double " + v + " : " + arr + ") " + ps + ".add(new " + k + "(" + v
                        + "));\nfor (int " + j + " = 0; " + j + " < 3; " + j + "++) {\nfor (int " + i + " = 0; " + i + " < " + ps
                        + ".size(); " + i + "++) " + ps + ".get(" + i + ").u += " + cap + " * " + ps + ".get(" + i + ").x * 0.1;\nfor ("
                        + k + " " + p + " : " + ps + ") " + p + ".x += " + p + ".u * 0.1;\n}\nif (!" + ps + ".isEmpty()) " + ps
                        + ".set(0, new " + k + "(" + cap + "));\ndouble " + t + " = 0;\nfor (" + k + " " + p + " : " + ps + ") " + t
                        + " += " + p + ".x * " + p + ".x;\n";
                dual += "class " + k + " {\nD x, u = D.c(0);\n" + k + "(D x0) { x = x0; }\n}\njava.util.List<" + k + "> " + ps
                        + " = new java.util.ArrayList<>();\nfor (D " + v + " : " + arr + ") " + ps + ".add(new " + k + "(" + v
                        + "));\nfor (int " + j + " = 0; " + j + " < 3; " + j + "++) {\nfor (int " + i + " = 0; " + i + " < " + ps
                        + ".size(); " + i + "++) " + ps + ".get(" + i + ").u = D.add(" + ps + ".get(" + i + ").u, D.mul(D.mul(" + cap
                        + ", " + ps + ".get(" + i + ").x), D.c(0.1)));\nfor (" + k + " " + p + " : " + ps + ") " + p + ".x = D.add(" + p
                        + ".x, D.mul(" + p + ".u, D.c(0.1)));\n}\nif (!" + ps + ".isEmpty()) " + ps + ".set(0, new " + k + "(" + cap
                        + "));\nD " + t + " = D.c(0);\nfor (" + k + " " + p + " : " + ps + ") " + t + " = D.add(" + t + ", D.mul("
                        + p + ".x, " + p + ".x));\n";
            }
            default -> { // an object holding another, known by a second name too
                String alias = fresh("al");
                plain += "final class " + k + " {\ndouble s;\n}\nfinal class " + k2 + " {\nfinal " + k + " in = new " + k
                        + "();\ndouble w;\n}\n" + k2 + " " + o + " = new " + k2 + "();\n" + k + " " + alias + " = " + o + ".in;\n"
                        + o + ".w = " + cap + ";\nfor (double " + v + " : " + arr + ") {\n" + alias + ".s += " + v + " * " + o + ".w;\n"
                        + o + ".w = " + o + ".w * 0.5;\n}\ndouble " + t + " = " + o + ".in.s + " + alias + ".s * " + o + ".w;\n";
                dual += "final class " + k + " {\nD s = D.c(0);\n}\nfinal class " + k2 + " {\nfinal " + k + " in = new " + k
                        + "();\nD w = D.c(0);\n}\n" + k2 + " " + o + " = new " + k2 + "();\n" + k + " " + alias + " = " + o
                        + ".in;\n" + o + ".w = " + cap + ";\nfor (D " + v + " : " + arr + ") {\n" + alias + ".s = D.add(" + alias
                        + ".s, D.mul(" + v + ", " + o + ".w));\n" + o + ".w = D.mul(" + o + ".w, D.c(0.5));\n}\nD " + t + " = D.add("
                        + o + ".in.s, D.mul(" + alias + ".s, " + o + ".w));\n";
            }
        }
        String[] assign = assignedInto(s, t);
        return new Stmt.Raw(plain + s.name() + " " + assign[0] + " " + t + ";", dual + assign[1], null);
    }

    /**
     * A value {@code t} the twin computed, assigned into {@code s} by a random one of {@code =},
     * {@code +=}, {@code -=}: that operator, and the twin's statement doing the same.
     */
    private String[] assignedInto(Var s, String t) {
        String op = pick("=", "+=", "-=");
        String dual = switch (op) {
            case "+=" -> s.name() + " = D.add(" + s.name() + ", " + t + ");";
            case "-=" -> s.name() + " = D.sub(" + s.name() + ", " + t + ");";
            default -> s.name() + " = " + t + ";";
        };
        return new String[] {op, dual};
    }

    /** {@code h(x);}: a differentiated call whose result nobody uses. */
    private Stmt discardedCall() {
        if (!allowed("discarded-call")) return null;
        // in a helper inlined while a V2 waits beneath on the operand stack, its pop2 is taken for the V2's (README bug 11)
        if (values != null && !allowed("vectors-discarded-call")) return null;
        Expr c = scalarCall(1);
        return c == null ? null : new Stmt.Run(c);
    }

    /** {@code if (Double.isNaN(s)) throw ...}: a path that always throws, which grad4j must accept. */
    private Stmt throwOnlyPath() {
        Var v = any(Ty.DOUBLE, x -> true);
        if (v == null) return null;
        String s = v.name();
        return new Stmt.Raw("if (Double.isNaN(" + s + ")) {\n    throw new IllegalStateException(\"NaN: \" + " + s + ");\n}",
                "if (Double.isNaN(" + s + ".v)) {\n    throw new IllegalStateException(\"NaN: \" + " + s + ".v);\n}", null);
    }

    /** A row of a matrix under a second name, or a row replaced by another array. */
    private Stmt rowStatement() {
        Var g = any(Ty.DARR2, Var::writable);
        if (g == null) return null;
        if (r.nextBoolean()) {
            String name = fresh("row");
            Expr init = new Row(g.ref(), index(g.ref()));
            declare(new Var(Ty.DARR, name, true, true));
            return new Stmt.Decl(Ty.DARR, name, init);
        }
        if (!allowed("row-store")) return null;
        Var a = any(Ty.DARR, Var::writable);
        Expr row = a != null && r.nextBoolean() ? a.ref() : new NewArray(lit(1 + r.nextInt(3)), null);
        return new Stmt.RowStore(g.ref(), index(g.ref()), row);
    }

    /** A loop of hundreds or thousands of iterations carrying a differentiable value (one frame each). */
    private Stmt longLoop() {
        if (loopDepth > 0 || scalarHelper) return null;
        Var v = any(Ty.DOUBLE, Var::mutable);
        if (v == null) return null;
        String i = fresh("i");
        List<Stmt> body = new ArrayList<>();
        declareIn(body, () -> {
            declare(new Var(Ty.INT, i, false, false));
            body.add(new Stmt.Assign(Ty.DOUBLE, v.name(), "+=", new Bin('*', lit(1e-3), new Fn(pickStr("sin", "tanh", "cos"),
                    Ty.DOUBLE, List.of(new Bin('+', v.ref(), doubleLeaf()))))));
        });
        return new Stmt.For(i, false, lit(pickInt(300, 1000, 5000)), body);
    }

    private Stmt declareDouble() {
        return declared(Ty.DOUBLE, "v", doubleExpr(2 + r.nextInt(2)));
    }

    /** A new mutable local of {@code ty}, named from {@code prefix}, set to {@code init}. */
    private Stmt declared(Ty ty, String prefix, Expr init) {
        String name = fresh(prefix);
        declare(new Var(ty, name, true, true));
        return new Stmt.Decl(ty, name, init);
    }

    private Stmt assignDouble() {
        Var v = any(Ty.DOUBLE, Var::mutable);
        if (v == null) return null;
        double p = r.nextDouble();
        if (p < 0.35) return new Stmt.Assign(Ty.DOUBLE, v.name(), "+=", doubleExpr(2));
        if (p < 0.5) return new Stmt.Assign(Ty.DOUBLE, v.name(), "-=", doubleExpr(2));
        if (p < 0.62) return new Stmt.Assign(Ty.DOUBLE, v.name(), "*=", squash(doubleExpr(1)));
        if (p < 0.7) return new Stmt.Assign(Ty.DOUBLE, v.name(), "/=", positive(doubleExpr(1)));
        if (p < 0.8 && loopDepth > 0) {
            // a contraction keeps loop-carried values bounded
            return new Stmt.Assign(Ty.DOUBLE, v.name(), "=", new Bin('+', new Bin('*', lit(0.5), v.ref()), squash(doubleExpr(2))));
        }
        return new Stmt.Assign(Ty.DOUBLE, v.name(), "=", doubleExpr(2, v.ref()));
    }

    private Stmt floatStatement() {
        Var f = any(Ty.FLOAT, Var::mutable);
        if (f == null || r.nextDouble() < 0.4) {
            String name = fresh("f");
            Expr init = floatExpr(2);
            declare(new Var(Ty.FLOAT, name, true, true));
            return new Stmt.Decl(Ty.FLOAT, name, init);
        }
        double p = r.nextDouble();
        if (p < 0.4) return new Stmt.Assign(Ty.FLOAT, f.name(), "+=", floatExpr(2));
        if (p < 0.6) return new Stmt.Assign(Ty.FLOAT, f.name(), "*=", new Cast(Ty.FLOAT, squash(doubleExpr(1))));
        if (p < 0.8) return new Stmt.Assign(Ty.FLOAT, f.name(), "+=", squash(doubleExpr(1))); // float += double narrows
        return new Stmt.Assign(Ty.FLOAT, f.name(), "=", floatExpr(2));
    }

    private Stmt intStatement() {
        Var k = any(Ty.INT, Var::mutable);
        if (k == null || r.nextDouble() < 0.5) {
            String name = fresh("k");
            Expr init = r.nextDouble() < 0.3 ? activeToInt() : intExpr(2);
            declare(new Var(Ty.INT, name, true, false));
            return new Stmt.Decl(Ty.INT, name, init);
        }
        // stays small and non-negative
        return new Stmt.Assign(Ty.INT, k.name(), "=", new Bin('%', new Bin('+', k.ref(), intExpr(1)), lit(1 + r.nextInt(7))));
    }

    private Stmt declareLong() {
        String name = fresh("L");
        Expr init = new Bin('+', new Bin('*', new Cast(Ty.LONG, intExpr(1)), new Lit(Ty.LONG, (1 + r.nextInt(5)) + "L")), intExpr(1));
        declare(new Var(Ty.LONG, name, false, false));
        return new Stmt.Decl(Ty.LONG, name, init);
    }

    /** {@code a[i] op= e}: an in-place update of an array that may be a parameter. */
    private Stmt store(Var a) {
        String op = pick("=", "+=", "+=", "-=", "*=");
        Expr e = op.equals("*=") ? squash(doubleExpr(1)) : doubleExpr(2);
        return new Stmt.Store(a.ref(), index(a.ref()), op, e);
    }

    private Stmt store2d() {
        Var g = any(Ty.DARR2, Var::writable);
        if (g == null) return null;
        Expr row = new Row(g.ref(), index(g.ref()));
        return new Stmt.Store(row, new Bin('%', intExpr(1), new Len(row)), pick("=", "+=", "-="), doubleExpr(2));
    }

    private Stmt branch() {
        Expr c = condition();
        List<Stmt> then = block(1 + r.nextInt(3));
        List<Stmt> els = r.nextBoolean() ? block(1 + r.nextInt(2)) : List.of();
        return new Stmt.If(c, then, els);
    }

    private Stmt loop() {
        if (loopDepth >= 3) return null;
        String i = fresh("i");
        boolean wide = r.nextDouble() < 0.1;
        Expr bound = loopBound();
        String label = loopDepth < 2 && r.nextDouble() < 0.3 ? fresh("outer") : null;
        if (label != null) labels.add(label);
        List<Stmt> body = loopBody(wide ? Ty.LONG : Ty.INT, i, b -> {
            b.addAll(statements(1 + r.nextInt(4)));
            if (b.isEmpty()) {
                Stmt a = assignDouble();
                b.add(a != null ? a : declareDouble());
            }
        });
        if (label != null) labels.remove(label);
        Stmt loop = new Stmt.For(i, wide, bound, body);
        return label == null ? loop : new Stmt.Labeled(label, loop);
    }

    /** {@code for (i < a.length) s += f(a[i], ...)} or an update of every element: the loops real code has. */
    private Stmt reductionLoop() {
        Var a = any(Ty.DARR, v -> true);
        if (a == null) return null;
        if (a.writable() && r.nextBoolean()) return reductionOrUpdateLoop(a);
        Var s = any(Ty.DOUBLE, Var::mutable);
        if (s == null || loopDepth >= 3) return null;
        String i = fresh("i");
        List<Stmt> body = loopBody(Ty.INT, i, b -> {
            Expr elem = new Elem(a.ref(), new Ref(Ty.INT, i));
            b.add(new Stmt.Assign(Ty.DOUBLE, s.name(), pick("+=", "-="), doubleExpr(2, elem)));
            if (r.nextDouble() < 0.3) b.add(jumpIn());
            if (r.nextDouble() < 0.4) b.addAll(statements(1));
        });
        return new Stmt.For(i, false, new Len(a.ref()), body);
    }

    private Stmt reductionOrUpdateLoop(Var a) {
        String i = fresh("i");
        List<Stmt> body = loopBody(Ty.INT, i, b -> {
            Expr elem = new Elem(a.ref(), new Ref(Ty.INT, i));
            String op = pick("=", "+=", "*=");
            Expr e = op.equals("*=") ? squash(doubleExpr(1, elem)) : doubleExpr(2, elem);
            b.add(new Stmt.Store(a.ref(), new Ref(Ty.INT, i), op, e));
            if (r.nextDouble() < 0.3) b.addAll(statements(1));
        });
        return new Stmt.For(i, false, new Len(a.ref()), body);
    }

    private Stmt whileLoop() {
        if (loopDepth >= 3) return null;
        String w = fresh("w");
        Expr c = r.nextDouble() < 0.7 ? activeCondition() : condition();
        List<Stmt> body = loopBody(Ty.INT, w, b -> {
            b.addAll(statements(1 + r.nextInt(3)));
        });
        declare(new Var(Ty.INT, w, false, false)); // the counter stays declared after the loop
        return new Stmt.While(w, 1 + r.nextInt(5), c, r.nextDouble() < 0.3, body);
    }

    private Stmt switchStatement() {
        boolean arrow = r.nextBoolean();
        int n = 1 + r.nextInt(3);
        Expr selector = new Bin('%', intExpr(1), lit(n + 1));
        List<Stmt.Case> cases = new ArrayList<>();
        boolean saved = inSwitch;
        inSwitch = true;
        for (int c = 0; c < n; c++) cases.add(new Stmt.Case(c, block(1 + r.nextInt(2)), !arrow && r.nextDouble() < 0.3));
        List<Stmt> otherwise = block(1);
        inSwitch = saved;
        return new Stmt.Switch(selector, cases, otherwise, arrow);
    }

    private Stmt jump() {
        return loopDepth == 0 ? null : jumpIn();
    }

    private Stmt jumpIn() {
        if (!labels.isEmpty() && r.nextDouble() < 0.4) { // leave or continue an enclosing loop, from any depth
            String label = labels.get(r.nextInt(labels.size()));
            Stmt j = r.nextBoolean() ? new Stmt.BreakTo(label) : new Stmt.ContinueTo(label);
            return new Stmt.If(condition(), List.of(j), List.of());
        }
        boolean canBreak = !inSwitch;
        Stmt j = canBreak && r.nextBoolean() ? new Stmt.Break() : new Stmt.Continue();
        return new Stmt.If(condition(), List.of(j), List.of());
    }

    private Stmt earlyReturn() {
        if (ret == Ty.VOID) return new Stmt.If(condition(), List.of(new Stmt.Return(null)), List.of());
        if (ret == Ty.DARR) return null;
        return new Stmt.If(condition(), List.of(new Stmt.Return(returnValue(ret))), List.of());
    }

    private Stmt mutatorCall() {
        Var a = any(Ty.DARR, Var::writable);
        Var g = any(Ty.DARR2, Var::writable);
        List<Helper> us = callable.stream().filter(h -> h.kind() == Kind.MUTATOR && h.method().params().size() == 3).toList();
        if (g != null && !us.isEmpty() && r.nextDouble() < 0.3) { // a row of a matrix, updated in place by a helper
            Helper h = us.get(r.nextInt(us.size()));
            return new Stmt.Run(new Call(h.name(), Ty.VOID, List.of(Ty.DARR, Ty.DOUBLE, Ty.INT),
                    List.of(new Row(g.ref(), index(g.ref())), doubleExpr(2), intExpr(1))));
        }
        List<Helper> ms = callable.stream().filter(h -> h.kind() == Kind.MUTATOR).toList();
        if (a == null || ms.isEmpty()) return null;
        Helper h = ms.get(r.nextInt(ms.size()));
        if (h.method().params().size() == 4) { // a second array: sometimes the same one (aliasing)
            Var c = r.nextDouble() < 0.4 ? a : any(Ty.DARR, v -> true);
            return new Stmt.Run(new Call(h.name(), Ty.VOID, List.of(Ty.DARR, Ty.DOUBLE, Ty.INT, Ty.DARR),
                    List.of(a.ref(), doubleExpr(2), intExpr(1), c.ref())));
        }
        return new Stmt.Run(new Call(h.name(), Ty.VOID, List.of(Ty.DARR, Ty.DOUBLE, Ty.INT),
                List.of(a.ref(), doubleExpr(2), intExpr(1))));
    }

    private Stmt declareArray() {
        String name = fresh("t");
        Var a = any(Ty.DARR, v -> true);
        double p = r.nextDouble();
        if (p < 0.12) { // a matrix
            String g = fresh("g");
            declare(new Var(Ty.DARR2, g, true, true));
            return new Stmt.Decl(Ty.DARR2, g, new NewArray(lit(1 + r.nextInt(3)), lit(1 + r.nextInt(3))));
        }
        Expr init;
        if (a == null || p < 0.35) {
            init = new NewArray(r.nextBoolean() ? lit(1 + r.nextInt(4)) : new Bin('+', intExpr(1), lit(1)), null);
        } else if (p < 0.5) {
            init = new Copy(a.ref(), null);
        } else if (p < 0.62) {
            init = r.nextBoolean() ? new Copy(a.ref(), new Bin('+', new Len(a.ref()), lit(r.nextInt(3))))
                    : rangeOf(a.ref());
        } else if (p < 0.72 && a.writable()) {
            init = a.ref(); // an alias: updates through either name reach the same array
        } else {
            List<Helper> ps = callable.stream().filter(h -> h.kind() == Kind.PRODUCER).toList();
            if (ps.isEmpty() || !a.writable()) {
                init = new Copy(a.ref(), null);
            } else {
                Helper h = ps.get(r.nextInt(ps.size()));
                init = new Call(h.name(), Ty.DARR, List.of(Ty.DARR, Ty.DOUBLE), List.of(a.ref(), doubleExpr(1)));
            }
        }
        declare(new Var(Ty.DARR, name, true, true));
        return new Stmt.Decl(Ty.DARR, name, init);
    }

    /** {@code Arrays.copyOfRange(a, from, from + k)}: from a valid index, possibly past the end. */
    private Expr rangeOf(Expr a) {
        Expr from = index(a);
        return new Expr.CopyRange(a, from, new Bin('+', from, lit(1 + r.nextInt(3))));
    }

    private Stmt arrayCopy() {
        Var dst = any(Ty.DARR, Var::writable);
        Var src = any(Ty.DARR, v -> true);
        if (dst == null || src == null) return null;
        if (src == dst || r.nextDouble() < 0.3) { // overlapping, within one array: a shift either way
            Expr n = new Bin('-', new Len(dst.ref()), lit(1));
            return r.nextBoolean()
                    ? new Stmt.ArrayCopy(dst.ref(), lit(0), dst.ref(), lit(1), n)
                    : new Stmt.ArrayCopy(dst.ref(), lit(1), dst.ref(), lit(0), n);
        }
        Expr n = new Fn("min", Ty.INT, List.of(new Len(src.ref()), new Len(dst.ref())));
        return new Stmt.ArrayCopy(src.ref(), lit(0), dst.ref(), lit(0), n);
    }

    private Stmt fill() {
        Var a = any(Ty.DARR, Var::writable);
        return a == null ? null : new Stmt.Fill(a.ref(), doubleExpr(1));
    }

    /**
     * Something users write that grad4j refuses (or should accept): a field store, a try/catch,
     * boxing, a capturing lambda, a synchronized block, a JDK call without a rule, formatting.
     */
    private Stmt refusedConstruct(List<Param> params) {
        String s = params.get(r.nextInt((int) params.stream().filter(p -> p.ty() == Ty.DOUBLE).count())).name();
        int kind = r.nextInt(7);
        // a try block (a synchronized block makes one) keeps grad4j from replacing V2s by their
        // fields, and the refusal then names a V2's constructor instead of the planted construct
        while (vectorsHere && (kind == 1 || kind == 4)) kind = r.nextInt(7);
        switch (kind) {
            case 0 -> {
                fields.add(new String[] {"static double last;", "static D last = D.c(0);"});
                return new Stmt.Raw("last = " + s + ";", "last = " + s + ";", "store of a differentiable value into field");
            }
            case 1 -> {
                return new Stmt.Raw(
                        "try {\n    " + s + " = " + s + " * Double.parseDouble(\"1.5\");\n} catch (NumberFormatException e) {\n    " + s + " = -" + s + ";\n}",
                        "try {\n    " + s + " = D.mul(" + s + ", D.c(Double.parseDouble(\"1.5\")));\n} catch (NumberFormatException e) {\n    " + s + " = D.neg(" + s + ");\n}",
                        "try/catch");
            }
            case 2 -> {
                String b = fresh("boxed");
                return new Stmt.Raw("Double " + b + " = " + s + ";\n" + s + " = " + b + " * 0.5 + " + s + ";",
                        "D " + b + " = " + s + ";\n" + s + " = D.add(D.mul(" + b + ", D.c(0.5)), " + s + ");", "boxing");
            }
            case 3 -> {
                String c = fresh("cap"), q = fresh("sup");
                return new Stmt.Raw("final double " + c + " = " + s + ";\njava.util.function.DoubleSupplier " + q + " = () -> " + c
                                + " * 2;\n" + s + " = " + q + ".getAsDouble();",
                        "final D " + c + " = " + s + ";\njava.util.function.Supplier<D> " + q + " = () -> D.mul(" + c
                                + ", D.c(2));\n" + s + " = " + q + ".get();",
                        "lambda");
            }
            case 4 -> {
                return new Stmt.Raw("synchronized (" + className + ".class) {\n    " + s + " = " + s + " * 1.5;\n}",
                        "synchronized (" + className + "Dual.class) {\n    " + s + " = D.mul(" + s + ", D.c(1.5));\n}",
                        "synchronized");
            }
            case 5 -> {
                return new Stmt.Raw(s + " = Double.sum(" + s + ", 0.25);", s + " = D.add(" + s + ", D.c(0.25));",
                        "call of Double.sum");
            }
            default -> {
                String t = fresh("text");
                return new Stmt.Raw("String " + t + " = String.format(\"%.3f\", " + s + ");\n" + s + " += " + t + ".length();",
                        "String " + t + " = String.format(\"%.3f\", " + s + ".v);\n" + s + " = D.add(" + s + ", D.c((double) " + t + ".length()));",
                        "boxing");
            }
        }
    }

    /**
     * A V2 made from a parameter that leaves the method — stored into a field, passed to a JDK
     * method, put in an array, compared with {@code ==} — which grad4j refuses at its constructor
     * call. First in the entry: when one V2 escapes, none of the method's is replaced, and the
     * refusal names the first constructor call given differentiable values.
     */
    private Stmt escapingVector(List<Param> params) {
        String s = params.get(r.nextInt((int) params.stream().filter(p -> p.ty() == Ty.DOUBLE).count())).name();
        String e = fresh("esc");
        String construct = "a constructor call with differentiable arguments";
        switch (r.nextInt(4)) {
            case 0 -> {
                fields.add(new String[] {"static V2 lastV;", "static V2D lastV;"});
                return new Stmt.Raw("V2 " + e + " = new V2(" + s + ", " + s + " * 0.5);\nlastV = " + e + ";",
                        "V2D " + e + " = new V2D(" + s + ", D.mul(" + s + ", D.c(0.5)));\nlastV = " + e + ";", construct);
            }
            case 1 -> {
                return new Stmt.Raw("V2 " + e + " = new V2(" + s + ", 0.5);\n" + s + " = java.util.List.of(" + e + ").get(0).a();",
                        "V2D " + e + " = new V2D(" + s + ", D.c(0.5));\n" + s + " = java.util.List.of(" + e + ").get(0).a();", construct);
            }
            case 2 -> {
                return new Stmt.Raw("V2[] " + e + " = {new V2(" + s + ", 0.5)};\n" + s + " = " + e + "[0].b() * " + s + ";",
                        "V2D[] " + e + " = {new V2D(" + s + ", D.c(0.5))};\n" + s + " = D.mul(" + e + "[0].b(), " + s + ");", construct);
            }
            default -> {
                return new Stmt.Raw("V2 " + e + " = new V2(" + s + ", " + s + ");\nif (" + e + " == V2.ZERO) {\n    " + s + " = -" + s + ";\n}",
                        "V2D " + e + " = new V2D(" + s + ", " + s + ");\nif (" + e + " == V2D.ZERO) {\n    " + s + " = D.neg(" + s + ");\n}", construct);
            }
        }
    }

    // ---- the value class V2 (in the entry only) ----

    private Stmt declareVector() {
        return declared(Ty.VEC, "u", vectorExpr(1 + r.nextInt(2)));
    }

    /** A statement on V2s: a declaration, an update, a choice by if/else, a read back into a double, a loop carrying one. */
    private Stmt vectorStatement() {
        Var u = any(Ty.VEC, Var::mutable);
        double p = r.nextDouble();
        if (u == null || p < 0.25) return declareVector();
        if (p < 0.5) return new Stmt.Assign(Ty.VEC, u.name(), "=", vectorUpdate(u));
        if (p < 0.6) {
            return new Stmt.If(condition(), List.of(new Stmt.Assign(Ty.VEC, u.name(), "=", vectorExpr(1))),
                    r.nextBoolean() ? List.of(new Stmt.Assign(Ty.VEC, u.name(), "=", vectorUpdate(u))) : List.of());
        }
        if (p < 0.8) {
            Var s = any(Ty.DOUBLE, Var::mutable);
            if (s != null) return new Stmt.Assign(Ty.DOUBLE, s.name(), pick("+=", "-=", "="), vectorRead(1));
        }
        return vectorLoop(u);
    }

    /** {@code u = u.plus(new V2(a[i], e).scale(e'))} and the like: a V2 carried around a loop. */
    private Stmt vectorLoop(Var u) {
        if (loopDepth >= 3) return null;
        String i = fresh("i");
        Var a = any(Ty.DARR, v -> true);
        boolean overArray = a != null && r.nextBoolean();
        Expr bound = overArray ? new Len(a.ref()) : loopBound();
        List<Stmt> body = loopBody(Ty.INT, i, b -> {
            if (r.nextDouble() < 0.2) b.add(jumpIn());
            Expr step = overArray ? new Expr.VecNew(null, new Elem(a.ref(), new Ref(Ty.INT, i)), doubleExpr(1)) : vectorExpr(1);
            Expr next = r.nextBoolean() ? vecOp(u.ref(), "plus", vecOp(step, "scale", squash(doubleExpr(1))))
                    : vecOp(u.ref(), "lerp", step, lit(pickNum(0.25, 0.5, 0.75)));
            b.add(new Stmt.Assign(Ty.VEC, u.name(), "=", next));
            if (r.nextDouble() < 0.4) b.addAll(statements(1));
        });
        return new Stmt.For(i, false, bound, body);
    }

    /** A new value for {@code u}, mostly from itself (contractions and rotations keep loop-carried values bounded). */
    private Expr vectorUpdate(Var u) {
        Expr v = u.ref();
        return switch (r.nextInt(6)) {
            case 0 -> vecOp(v, "plus", vecOp(vectorExpr(1), "scale", squash(doubleExpr(1))));
            case 1 -> vecOp(vecOp(v, "scale", lit(0.5)), pick("plus", "minus"), vectorExpr(1));
            case 2 -> vecOp(v, "lerp", vectorExpr(1), r.nextBoolean() ? lit(pickNum(0.25, 0.5, 0.75)) : squash(doubleExpr(1)));
            case 3 -> vecOp(v, "mid", vectorExpr(1));
            case 4 -> vecOp(v, "rot");
            default -> new Cond(condition(), v, vectorExpr(1));
        };
    }

    /** A V2: a variable, {@code V2.ZERO}, made by {@code new} or a factory from doubles, or combined by V2's methods. */
    private Expr vectorExpr(int depth) {
        if (depth <= 0 || r.nextDouble() < 0.4) {
            Var u = any(Ty.VEC, v -> true);
            int roll = r.nextInt(10);
            if (u != null && roll < 4) return u.ref();
            if (roll < 5) return new Expr.VecZero();
            if (roll < 8) return new Expr.VecNew(null, doubleExpr(1), doubleExpr(1));
            return new Expr.VecNew(pick("of", "polar"), doubleExpr(1), doubleExpr(1));
        }
        return switch (r.nextInt(6)) {
            case 0 -> vecOp(vectorExpr(depth - 1), pick("plus", "minus"), vectorExpr(depth - 1));
            case 1 -> vecOp(vectorExpr(depth - 1), "scale", squash(doubleExpr(1)));
            case 2 -> vecOp(vectorExpr(depth - 1), "mid", vectorExpr(depth - 1));
            case 3 -> vecOp(vectorExpr(depth - 1), "rot");
            case 4 -> vecOp(vectorExpr(depth - 1), "lerp", vectorExpr(depth - 1), lit(pickNum(0.25, 0.5, 0.75)));
            default -> new Cond(condition(), vectorExpr(depth - 1), vectorExpr(depth - 1));
        };
    }

    /**
     * A double read back from V2s: a dot product, a squared norm, a component through its
     * accessor or its field. At depth 0 only from V2 variables (null when none is visible).
     */
    private Expr vectorRead(int depth) {
        Var u = any(Ty.VEC, v -> true);
        if (depth <= 0 && u == null) return null;
        Expr v = depth <= 0 ? u.ref() : vectorExpr(depth);
        return switch (r.nextInt(5)) {
            case 0, 1 -> vecOp(v, "dot", depth <= 0 ? any(Ty.VEC, x -> true).ref() : vectorExpr(depth - 1));
            case 2 -> vecOp(v, "norm2");
            default -> new Expr.VecGet(v, pick("a", "b"), r.nextDouble() < 0.7);
        };
    }

    /** {@code recv.method(args)}, typed as V2 declares its methods. */
    private static Expr vecOp(Expr recv, String method, Expr... args) {
        List<Ty> params = switch (method) {
            case "plus", "minus", "mid", "dot" -> List.of(Ty.VEC);
            case "scale" -> List.of(Ty.DOUBLE);
            case "lerp" -> List.of(Ty.VEC, Ty.DOUBLE);
            case "rot", "norm2" -> List.of();
            default -> throw new IllegalArgumentException("V2 has no method " + method);
        };
        Ty ty = method.equals("dot") || method.equals("norm2") ? Ty.DOUBLE : Ty.VEC;
        return new Expr.VecOp(recv, method, ty, params, List.of(args));
    }

    // ---- expressions ----

    private Expr doubleExpr(int depth) {
        return doubleExpr(depth, null);
    }

    /** A double expression; {@code must}, when given, appears in it (a loop's element, a carried value). */
    private Expr doubleExpr(int depth, Expr must) {
        Expr e = doubleExprFree(depth);
        if (must == null) return e;
        return switch (r.nextInt(4)) {
            case 0 -> new Bin('+', must, e);
            case 1 -> new Bin('*', must, e);
            case 2 -> new Bin('-', e, new Fn(pick("sin", "tanh", "atan"), Ty.DOUBLE, List.of(must)));
            default -> new Bin('+', new Bin('*', lit(0.75), must), e);
        };
    }

    private Expr doubleExprFree(int depth) {
        if (depth <= 0 || r.nextDouble() < 0.25) return doubleLeaf();
        int roll = r.nextInt(100);
        if (roll < 35) return new Bin(pickOp('+', '-', '*', '*'), doubleExpr(depth - 1), operand(depth - 1));
        if (roll < 42) return new Bin('/', doubleExpr(depth - 1), positive(doubleExpr(depth - 1)));
        if (roll < 70) return function(depth - 1);
        if (roll < 76) return new Cond(condition(), doubleExpr(depth - 1), doubleExpr(depth - 1));
        if (roll < 85) {
            Expr call = scalarCall(depth - 1);
            if (call != null) return call;
        }
        if (roll < 88 && !virtuals.isEmpty() && !inImplementation()) {
            Program.Virtual v = virtuals.get(0);
            List<Ty> types = v.params().stream().map(Param::ty).toList();
            List<Expr> args = new ArrayList<>();
            for (Ty t : types) args.add(t == Ty.INT ? intExpr(1) : doubleExpr(depth - 1));
            if (r.nextDouble() < 0.3) { // an object made inside the differentiable code
                return new Expr.NewCall(v.impls().get(r.nextInt(v.impls().size())), v.method(), Ty.DOUBLE, types, args);
            }
            return new Expr.VCall(v.all(), new Bin('%', intExpr(1), lit(v.impls().size())), v.method(), Ty.DOUBLE, types, args);
        }
        if (roll < 91) return new Neg(doubleExpr(depth - 1));
        if (roll < 95 && usesFloat) return new Cast(Ty.DOUBLE, floatExpr(depth - 1));
        return doubleLeaf();
    }

    /** A second operand of a double operation: usually a double, sometimes an int, long or float (promoted). */
    private Expr operand(int depth) {
        double p = r.nextDouble();
        if (p < 0.1) return intExpr(1);
        if (p < 0.13) {
            Var l = any(Ty.LONG, v -> true);
            if (l != null) return l.ref();
        }
        if (p < 0.2 && usesFloat) return floatExpr(1);
        return doubleExpr(depth);
    }

    private Expr doubleLeaf() {
        if (vectorsHere && r.nextDouble() < 0.12) {
            Expr e = vectorRead(0);
            if (e != null) return e;
        }
        int roll = r.nextInt(10);
        if (roll < 6) {
            Var v = any(Ty.DOUBLE, x -> true);
            if (v != null) return v.ref();
        }
        if (roll < 8) {
            Var a = any(Ty.DARR, x -> true);
            if (a != null) return new Elem(a.ref(), index(a.ref()));
            Var g = any(Ty.DARR2, x -> true);
            if (g != null) {
                Expr row = new Row(g.ref(), index(g.ref()));
                return new Elem(row, new Bin('%', intExpr(1), new Len(row)));
            }
        }
        if (roll == 8 && usesFloat) {
            Var f = any(Ty.FLOAT, x -> true);
            if (f != null) return new Cast(Ty.DOUBLE, f.ref());
        }
        return lit(pickNum(0.5, 1.5, 2.0, 0.25, 3.0, 0.1, 1.25, 0.75));
    }

    private Expr function(int depth) {
        Expr a = doubleExpr(depth);
        return switch (r.nextInt(22)) {
            case 0, 1 -> new Fn("sin", Ty.DOUBLE, List.of(a));
            case 2, 3 -> new Fn("cos", Ty.DOUBLE, List.of(a));
            case 4 -> new Fn("exp", Ty.DOUBLE, List.of(squash(a)));
            case 5 -> new Fn("log", Ty.DOUBLE, List.of(positive(a)));
            case 6 -> new Fn("sqrt", Ty.DOUBLE, List.of(positive(a)));
            case 7, 8 -> new Fn("tanh", Ty.DOUBLE, List.of(a));
            case 9 -> new Fn("pow", Ty.DOUBLE, List.of(positive(a), lit(pickNum(0.5, 1.5, 2.0, 3.0, -1.0, -0.5))));
            case 10 -> new Fn("pow", Ty.DOUBLE, List.of(positive(a), squash(doubleExpr(depth))));
            case 11 -> new Fn("abs", Ty.DOUBLE, List.of(a));
            case 12 -> new Fn(pick("max", "min"), Ty.DOUBLE, List.of(a, doubleExpr(depth)));
            case 13 -> new Fn(pick("max", "min"), Ty.DOUBLE, List.of(a, lit(pickNum(0.3, -0.7, 1.1))));
            case 14 -> new Fn("atan", Ty.DOUBLE, List.of(a));
            case 15 -> new Fn("hypot", Ty.DOUBLE, List.of(a, doubleExpr(depth)));
            case 16 -> new Fn("atan2", Ty.DOUBLE, List.of(a, positive(doubleExpr(depth))));
            case 17 -> new Fn(pick("sinh", "cosh", "expm1"), Ty.DOUBLE, List.of(squash(a)));
            case 18 -> new Fn("log1p", Ty.DOUBLE, List.of(new Bin('*', a, a)));
            case 19 -> new Fn(pick("asin", "acos"), Ty.DOUBLE, List.of(new Bin('*', lit(0.9), new Fn("tanh", Ty.DOUBLE, List.of(a)))));
            case 20 -> new Bin('+', a, new Fn(pick("floor", "rint", "ceil", "signum"), Ty.DOUBLE, List.of(doubleExpr(depth))));
            default -> new Fn("cbrt", Ty.DOUBLE, List.of(a));
        };
    }

    /** A bounded function of {@code e}: keeps exponentials and products in loops finite. */
    private Expr squash(Expr e) {
        return switch (r.nextInt(5)) {
            case 0 -> new Fn("sin", Ty.DOUBLE, List.of(e));
            case 1 -> new Fn("cos", Ty.DOUBLE, List.of(e));
            case 2 -> new Fn("tanh", Ty.DOUBLE, List.of(e));
            case 3 -> new Fn("atan", Ty.DOUBLE, List.of(e));
            default -> new Neg(new Bin('*', lit(0.1), new Bin('*', e, e)));
        };
    }

    /** A positive function of {@code e}: a domain for log, sqrt, pow and denominators. */
    private Expr positive(Expr e) {
        return switch (r.nextInt(4)) {
            case 0 -> new Bin('+', lit(1.0), new Bin('*', e, e));
            case 1 -> new Bin('+', lit(2.0), new Fn("sin", Ty.DOUBLE, List.of(e)));
            case 2 -> new Fn("exp", Ty.DOUBLE, List.of(squash(e)));
            default -> new Fn("hypot", Ty.DOUBLE, List.of(e, lit(0.5)));
        };
    }

    private Expr scalarCall(int depth) {
        List<Helper> cs = callable.stream().filter(h -> h.kind() == Kind.SCALAR || h.kind() == Kind.RECURSIVE
                || h.kind() == Kind.VARARGS).toList();
        if (cs.isEmpty()) return null;
        Helper h = cs.get(r.nextInt(cs.size()));
        if (h.kind() == Kind.VARARGS) {
            Var a = any(Ty.DARR, v -> true);
            if (a != null && r.nextDouble() < 0.3) {
                return new Call(h.name(), Ty.DOUBLE, List.of(Ty.DOUBLE, Ty.DARR), List.of(doubleExpr(depth), a.ref()));
            }
            List<Ty> types = new ArrayList<>();
            List<Expr> args = new ArrayList<>();
            int n = 2 + r.nextInt(4); // s and at least one more: every array has a length of at least 1
            for (int k = 0; k < n; k++) {
                types.add(Ty.DOUBLE);
                args.add(doubleExpr(depth));
            }
            return new Call(h.name(), Ty.DOUBLE, types, args);
        }
        List<Ty> types = h.method().params().stream().map(Param::ty).toList();
        List<Expr> args = new ArrayList<>();
        for (Ty t : types) {
            switch (t) {
                case DOUBLE -> args.add(doubleExpr(depth));
                case INT -> args.add(h.kind() == Kind.RECURSIVE ? new Bin('%', intExpr(1), lit(4)) : intExpr(1));
                case DARR -> {
                    Var a = any(Ty.DARR, v -> true);
                    args.add(a != null ? a.ref() : new NewArray(lit(2), null));
                }
                default -> throw new IllegalStateException(t.toString());
            }
        }
        return new Call(h.name(), Ty.DOUBLE, types, args);
    }

    private Expr floatExpr(int depth) {
        if (depth <= 0 || r.nextDouble() < 0.3) {
            Var f = any(Ty.FLOAT, v -> true);
            if (f != null && r.nextDouble() < 0.7) return f.ref();
            return r.nextBoolean() ? new Lit(Ty.FLOAT, pick("0.5f", "1.5f", "0.25f", "2f")) : new Cast(Ty.FLOAT, doubleLeaf());
        }
        int roll = r.nextInt(10);
        if (roll < 4) return new Bin(pickOp('+', '-', '*'), floatExpr(depth - 1), r.nextDouble() < 0.2 ? intExpr(1) : floatExpr(depth - 1));
        if (roll < 6) return new Cast(Ty.FLOAT, doubleExpr(depth - 1));
        if (roll < 7) return new Fn("abs", Ty.FLOAT, List.of(floatExpr(depth - 1)));
        if (roll < 8) return new Fn(pick("max", "min"), Ty.FLOAT, List.of(floatExpr(depth - 1), floatExpr(depth - 1)));
        if (roll < 9) {
            List<Helper> fs = callable.stream().filter(h -> h.kind() == Kind.FLOAT).toList();
            if (!fs.isEmpty()) {
                Helper h = fs.get(r.nextInt(fs.size()));
                return new Call(h.name(), Ty.FLOAT, List.of(Ty.FLOAT, Ty.DOUBLE), List.of(floatExpr(depth - 1), doubleExpr(depth - 1)));
            }
        }
        return new Bin('/', floatExpr(depth - 1), new Lit(Ty.FLOAT, pick("2f", "1.5f", "4f")));
    }

    /** A non-negative int. */
    private Expr intExpr(int depth) {
        if (depth <= 0 || r.nextDouble() < 0.5) {
            Var i = any(Ty.INT, v -> true);
            if (i != null && r.nextDouble() < 0.75) return i.ref();
            Var a = any(Ty.DARR, v -> true);
            if (a != null && r.nextDouble() < 0.3) return new Len(a.ref());
            return lit(r.nextInt(6));
        }
        return switch (r.nextInt(5)) {
            case 0 -> new Bin('+', intExpr(depth - 1), intExpr(depth - 1));
            case 1 -> new Bin('+', new Bin('*', intExpr(depth - 1), lit(2 + r.nextInt(3))), lit(r.nextInt(3)));
            case 2 -> new Bin('%', intExpr(depth - 1), lit(2 + r.nextInt(4)));
            case 3 -> new Fn(pick("max", "min"), Ty.INT, List.of(intExpr(depth - 1), intExpr(depth - 1)));
            default -> r.nextDouble() < 0.3 ? activeToInt() : intExpr(depth - 1);
        };
    }

    /** An int computed from a differentiable value: {@code Math.floorMod((int) Math.floor(3·e), 5)}; its derivative is 0. */
    private Expr activeToInt() {
        Expr e = new Bin('*', doubleExpr(1), lit(3.0));
        return new Fn("floorMod", Ty.INT, List.of(new Cast(Ty.INT, new Fn("floor", Ty.DOUBLE, List.of(e))), lit(2 + r.nextInt(4))));
    }

    private Expr index(Expr array) {
        return new Bin('%', intExpr(1), new Len(array));
    }

    private Expr loopBound() {
        double p = r.nextDouble();
        Var n = lookup("n");
        if (p < 0.3 && n != null && n.ty() == Ty.INT) return n.ref();
        if (p < 0.5) {
            Var a = any(Ty.DARR, v -> true);
            if (a != null) return new Len(a.ref());
        }
        if (p < 0.6) {
            Var i = any(Ty.INT, v -> v.name().startsWith("i"));
            if (i != null) return new Bin('+', i.ref(), lit(1)); // a triangular loop
        }
        return lit(1 + r.nextInt(4));
    }

    private Expr condition() {
        double p = r.nextDouble();
        Expr c = p < 0.5 ? activeCondition() : inactiveCondition();
        if (r.nextDouble() < 0.12) c = new Logic(pick("&&", "||"), c, r.nextBoolean() ? activeCondition() : inactiveCondition());
        if (r.nextDouble() < 0.05) c = new Not(c);
        return c;
    }

    private Expr activeCondition() {
        if (usesFloat && r.nextDouble() < 0.15) return new Cmp(pick("<", ">"), floatExpr(1), new Lit(Ty.FLOAT, pick("0.5f", "-0.25f")));
        Expr a = doubleExpr(1);
        Expr b = r.nextBoolean() ? doubleExpr(1) : lit(pickNum(0.0, 0.5, -0.3, 1.2, 2.5));
        return new Cmp(pick("<", ">", "<=", ">="), a, b);
    }

    private Expr inactiveCondition() {
        Expr i = intExpr(1);
        return switch (r.nextInt(3)) {
            case 0 -> new Cmp(pick("==", "!="), new Bin('%', i, lit(2 + r.nextInt(2))), lit(0));
            case 1 -> new Cmp(pick("<", ">", "<=", ">="), i, lit(1 + r.nextInt(4)));
            default -> new Cmp(pick("<", "==", ">"), i, intExpr(1));
        };
    }

    private Expr returnValue(Ty type) {
        List<Var> ds = visible(Ty.DOUBLE, v -> true);
        Expr e = doubleExpr(1);
        int terms = Math.min(ds.size(), 1 + r.nextInt(4));
        for (int t = 0; t < terms; t++) {
            Var v = ds.get(ds.size() - 1 - r.nextInt(ds.size()));
            e = new Bin(r.nextDouble() < 0.7 ? '+' : '*', e, v.ref());
        }
        Var a = any(Ty.DARR, v -> true);
        if (a != null && r.nextBoolean()) e = new Bin('+', e, new Elem(a.ref(), index(a.ref())));
        if (type == Ty.FLOAT) {
            Var f = any(Ty.FLOAT, v -> true);
            Expr fe = new Cast(Ty.FLOAT, e);
            return f == null ? fe : new Bin('+', fe, f.ref());
        }
        Var f = any(Ty.FLOAT, v -> true);
        if (f != null && r.nextBoolean()) e = new Bin('+', e, f.ref());
        return e;
    }

    // ---- scopes and small helpers ----

    private boolean inImplementation() {
        return lookup("w") != null;
    }

    private Var declare(Var v) {
        scopes.get(scopes.size() - 1).add(v);
        return v;
    }

    private Var lookup(String name) {
        for (List<Var> s : scopes) for (Var v : s) if (v.name().equals(name)) return v;
        return null;
    }

    private List<Var> visible(Ty ty, Predicate<Var> p) {
        List<Var> vs = new ArrayList<>();
        for (List<Var> s : scopes) for (Var v : s) if (v.ty() == ty && p.test(v)) vs.add(v);
        return vs;
    }

    /** A random visible variable, favouring recent ones; null when none. */
    private Var any(Ty ty, Predicate<Var> p) {
        List<Var> vs = visible(ty, p);
        if (vs.isEmpty()) return null;
        int i = r.nextDouble() < 0.5 ? vs.size() - 1 - r.nextInt(Math.min(3, vs.size())) : r.nextInt(vs.size());
        return vs.get(i);
    }

    private String fresh(String stem) {
        return stem + (++names);
    }

    private static Lit lit(int v) {
        return new Lit(Ty.INT, Integer.toString(v));
    }

    private static Lit lit(double v) {
        return new Lit(Ty.DOUBLE, Double.toString(v));
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[r.nextInt(options.length)];
    }

    private String pickStr(String... options) {
        return options[r.nextInt(options.length)];
    }

    private int pickInt(int... options) {
        return options[r.nextInt(options.length)];
    }

    private char pickOp(char... options) {
        return options[r.nextInt(options.length)];
    }

    private double pickNum(double... options) {
        return options[r.nextInt(options.length)];
    }

    // ---- the point ----

    private Object[] arguments(Method entry) {
        Object[] args = new Object[entry.params().size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = switch (entry.params().get(i).ty()) {
                case DOUBLE -> point();
                case FLOAT -> (float) point();
                case INT -> 1 + r.nextInt(4);
                case LONG -> (long) (1 + r.nextInt(5));
                case DARR -> vector(1 + r.nextInt(4));
                case DARR2 -> {
                    int rows = 1 + r.nextInt(3), cols = 1 + r.nextInt(3);
                    double[][] g = new double[rows][];
                    for (int k = 0; k < rows; k++) g[k] = vector(cols);
                    yield g;
                }
                default -> throw new IllegalStateException();
            };
        }
        return args;
    }

    private double[] vector(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = point();
        return v;
    }

    /** Values in ±[0.05, 2], three decimals: readable in a printed program. */
    private double point() {
        double v = 0.05 + r.nextDouble() * 1.95;
        v = Math.round(v * 1000) / 1000.0;
        return r.nextBoolean() ? v : -v;
    }
}
