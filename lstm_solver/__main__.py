from lstm_solver.cli import main

main()
