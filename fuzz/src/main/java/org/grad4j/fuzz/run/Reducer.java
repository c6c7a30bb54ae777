package org.grad4j.fuzz.run;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.grad4j.fuzz.gen.Emitter;
import org.grad4j.fuzz.gen.Expr;
import org.grad4j.fuzz.gen.Program;
import org.grad4j.fuzz.gen.Stmt;
import org.grad4j.fuzz.gen.Ty;

/**
 * Shrinks a failing program while it keeps failing the same way (same status, same kind, and
 * for exceptions the same exception class): deletes statements (halves first, then one by one),
 * inlines branches and loop bodies, replaces expressions by their operands or by constants, drops
 * helpers that are no longer called. Candidates that do not compile are simply rejected. Works on
 * the program's records generically, by their components.
 */
public final class Reducer {
    private final InMemoryCompiler compiler;
    private final BiFunction<ClassLoader, String, Check.Result> check;
    private final Check.Result target;
    private int tries;
    private Check.Result last;

    public Reducer(InMemoryCompiler compiler, BiFunction<ClassLoader, String, Check.Result> check, Check.Result target) {
        this.compiler = compiler;
        this.check = check;
        this.target = target;
    }

    /** How the smallest variant found fails (its own numbers, not the original's). */
    public Check.Result lastResult() {
        return last;
    }

    /** The smallest variant found, or null when the failure does not reproduce. */
    public Program reduce(Program p) {
        if (!fails(p)) return null;
        Program best = p;
        Check.Result bestResult = last;
        boolean progress = true;
        while (progress && tries < 3000) {
            progress = false;
            for (Program c : candidates(best)) {
                if (fails(c)) {
                    best = c;
                    bestResult = last;
                    progress = true;
                    break;
                }
            }
        }
        last = bestResult;
        return best;
    }

    private boolean fails(Program p) {
        tries++;
        String name = "Q" + tries;
        Program q = p.renamed(name);
        Map<String, byte[]> classes;
        try {
            classes = compiler.compile(Emitter.PACKAGE, Map.of(name, Emitter.emit(q).text()));
        } catch (InMemoryCompiler.CompileError | IllegalStateException e) {
            return false;
        }
        Check.Result r = check.apply(new InMemoryCompiler.MemoryLoader(Reducer.class.getClassLoader(), classes), name);
        if (!same(r)) return false;
        last = r;
        return true;
    }

    private boolean same(Check.Result r) {
        if (r.status() != target.status() || !String.valueOf(r.kind()).equals(String.valueOf(target.kind()))) return false;
        if ("exception".equals(target.kind())) return firstWord(r.detail()).equals(firstWord(target.detail()));
        return true;
    }

    private static String firstWord(String s) {
        if (s == null) return "";
        int colon = s.indexOf(':'), nl = s.indexOf('\n');
        int end = colon < 0 ? (nl < 0 ? s.length() : nl) : (nl < 0 ? colon : Math.min(colon, nl));
        return s.substring(0, end);
    }

    // ---- candidates, biggest cuts first ----

    private List<Program> candidates(Program p) {
        List<Program> out = new ArrayList<>();
        if (!p.virtuals().isEmpty()) out.add(p.withoutVirtuals());
        if (p.lambda()) out.add(p.withoutLambda());
        for (int f = 0; f < p.fields().size(); f++) {
            List<String[]> fs = new ArrayList<>(p.fields());
            fs.remove(f);
            out.add(p.withFields(fs));
        }
        if (p.entry().instance()) {
            List<Program.Method> ms = new ArrayList<>(p.methods());
            Program.Method e = p.entry();
            ms.set(0, new Program.Method(e.name(), e.ret(), e.params(), e.body(), e.differentiable(), e.owner(), false));
            out.add(p.withMethods(ms));
        }
        // drop helpers (compiles only when no longer called)
        for (int m = p.methods().size() - 1; m >= 1; m--) {
            if (p.methods().get(m).owner() != null) continue;
            List<Program.Method> ms = new ArrayList<>(p.methods());
            ms.remove(m);
            out.add(p.withMethods(ms));
        }
        List<List<Stmt>> lists = new ArrayList<>();
        List<Object> nodes = new ArrayList<>();
        for (Program.Method m : p.methods()) collect(m.body(), lists, nodes);
        // delete halves, then single statements
        for (List<Stmt> l : lists) {
            for (int chunk = Math.max(1, l.size() / 2); chunk >= 1; chunk /= 2) {
                for (int from = 0; from + chunk <= l.size(); from += chunk) {
                    List<Stmt> cut = new ArrayList<>(l);
                    cut.subList(from, from + chunk).clear();
                    out.add(replace(p, l, cut));
                }
                if (chunk == 1) break;
            }
        }
        // inline compound statements
        for (List<Stmt> l : lists) {
            for (int i = 0; i < l.size(); i++) {
                List<Stmt> inner = innerStatements(l.get(i));
                if (inner == null) continue;
                List<Stmt> flat = new ArrayList<>(l.subList(0, i));
                flat.addAll(inner);
                flat.addAll(l.subList(i + 1, l.size()));
                out.add(replace(p, l, flat));
            }
        }
        // simplify expressions
        for (Object n : nodes) {
            if (!(n instanceof Expr e)) continue;
            for (Expr child : children(e)) if (child.ty() == e.ty()) out.add(replace(p, e, child));
            if (!(e instanceof Expr.Lit) && !(e instanceof Expr.Ref)) {
                if (e.ty() == Ty.DOUBLE) out.add(replace(p, e, new Expr.Lit(Ty.DOUBLE, "0.5")));
                if (e.ty() == Ty.INT) out.add(replace(p, e, new Expr.Lit(Ty.INT, "1")));
            }
        }
        return out;
    }

    private static List<Stmt> innerStatements(Stmt s) {
        if (s instanceof Stmt.If i) {
            List<Stmt> all = new ArrayList<>(i.then());
            if (i.els() != null) all.addAll(i.els());
            return all;
        }
        if (s instanceof Stmt.Switch sw) {
            List<Stmt> all = new ArrayList<>();
            for (Stmt.Case c : sw.cases()) all.addAll(c.body());
            all.addAll(sw.otherwise());
            return all;
        }
        if (s instanceof Stmt.For f) return f.body();
        if (s instanceof Stmt.Labeled l) return innerStatements(l.loop());
        if (s instanceof Stmt.While w) return w.body();
        return null;
    }

    /** Every statement list and every statement/expression node, depth first. */
    @SuppressWarnings("unchecked")
    private static void collect(Object node, List<List<Stmt>> lists, List<Object> nodes) {
        if (node instanceof List<?> l) {
            if (!l.isEmpty() && l.get(0) instanceof Stmt) lists.add((List<Stmt>) l);
            for (Object o : l) collect(o, lists, nodes);
            return;
        }
        if (node instanceof Record rec) {
            if (node instanceof Expr || node instanceof Stmt) nodes.add(node);
            for (RecordComponent c : rec.getClass().getRecordComponents()) collect(get(c, rec), lists, nodes);
        }
    }

    private static List<Expr> children(Expr e) {
        List<Expr> out = new ArrayList<>();
        for (RecordComponent c : e.getClass().getRecordComponents()) {
            Object v = get(c, e);
            if (v instanceof Expr x) out.add(x);
            if (v instanceof List<?> l) for (Object o : l) if (o instanceof Expr x) out.add(x);
        }
        return out;
    }

    private static Program replace(Program p, Object target, Object replacement) {
        Map<Object, Object> done = new IdentityHashMap<>();
        List<Program.Method> ms = new ArrayList<>();
        for (Program.Method m : p.methods()) ms.add(m.withBody(castList(rebuild(m.body(), target, replacement, done))));
        return p.withMethods(ms);
    }

    @SuppressWarnings("unchecked")
    private static List<Stmt> castList(Object o) {
        return (List<Stmt>) o;
    }

    /** {@code node} with {@code target} (by identity) replaced; unchanged parts are shared. */
    private static Object rebuild(Object node, Object target, Object replacement, Map<Object, Object> done) {
        if (node == target) return replacement;
        if (node instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            boolean changed = false;
            for (Object o : l) {
                Object n = rebuild(o, target, replacement, done);
                changed |= n != o;
                out.add(n);
            }
            return changed ? out : node;
        }
        if (node instanceof Record rec && (node instanceof Expr || node instanceof Stmt || node instanceof Stmt.Case)) {
            RecordComponent[] cs = rec.getClass().getRecordComponents();
            Object[] values = new Object[cs.length];
            Class<?>[] types = new Class<?>[cs.length];
            boolean changed = false;
            for (int i = 0; i < cs.length; i++) {
                Object v = get(cs[i], rec);
                values[i] = rebuild(v, target, replacement, done);
                changed |= values[i] != v;
                types[i] = cs[i].getType();
            }
            if (!changed) return node;
            try {
                var ctor = rec.getClass().getDeclaredConstructor(types);
                ctor.setAccessible(true);
                return ctor.newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return node;
    }

    private static Object get(RecordComponent c, Object rec) {
        try {
            var acc = c.getAccessor();
            acc.setAccessible(true);
            return acc.invoke(rec);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
