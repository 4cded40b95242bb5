"""Ekoklean Console: the operations and trust-and-safety console of Ekoklean On Demand."""
