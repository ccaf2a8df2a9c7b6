"""What people read: text tables, plots and the progress bar, drawn from results."""
