package org.grad4j.fuzz.gen;

/** The types a generated program uses, with their plain and dual (forward-mode) spellings. */
public enum Ty {
    DOUBLE("double", "D"),
    FLOAT("float", "F"),
    INT("int", "int"),
    LONG("long", "long"),
    BOOL("boolean", "boolean"),
    DARR("double[]", "D[]"),
    DARR2("double[][]", "D[][]"),
    /** The program's small value class of two doubles (a record or a final class), over D in the twin. */
    VEC("V2", "V2D"),
    VOID("void", "void");

    public final String plain;
    public final String dual;

    Ty(String plain, String dual) {
        this.plain = plain;
        this.dual = dual;
    }

    /** Carries a derivative: a double or a float. */
    public boolean active() {
        return this == DOUBLE || this == FLOAT;
    }

    public boolean integral() {
        return this == INT || this == LONG;
    }

    public boolean numeric() {
        return active() || integral();
    }

    /** Java's binary numeric promotion. */
    public static Ty promote(Ty a, Ty b) {
        if (a == DOUBLE || b == DOUBLE) return DOUBLE;
        if (a == FLOAT || b == FLOAT) return FLOAT;
        if (a == LONG || b == LONG) return LONG;
        return INT;
    }

    /** Whether a value of type {@code from} may be passed where {@code this} is expected (identity or widening). */
    public boolean accepts(Ty from) {
        if (this == from) return true;
        return switch (this) {
            case DOUBLE -> from.numeric();
            case FLOAT -> from.integral();
            case LONG -> from == INT;
            default -> false;
        };
    }
}
