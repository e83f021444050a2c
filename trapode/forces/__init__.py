"""Forces as the steppers see them: the protocol every model implements, the total force, the Coulomb sum."""
