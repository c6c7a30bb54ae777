package org.grad4j.agent.elsewhere;

/** A package-private base class: its package-private members are reached through {@link PublicHelpers}. */
class PackageBase {
    static double shift = 0.25;
    double c = 0.8;
}
